"""gc_paused: the collector off for bulk work, and ``keep`` moving what the work built straight to
the oldest generation (the readers' payments), never thawing what someone else froze."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator

import pytest

from tui_inkasso.formats.bgmax import read_bgmax, write_bgmax
from tui_inkasso.formats.payment_file import BankPayment
from tui_inkasso.gc_pause import gc_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on and nothing frozen (conftest freezes the start-up objects; they are
    frozen again after the test, with whatever it left)."""
    was_enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.unfreeze()
    gc.collect()
    gc.enable()
    yield
    if frozen:
        gc.freeze()
    if not was_enabled:
        gc.disable()


def test_paused_blocks_nest_and_the_collector_comes_back_on(collector_on: None) -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused(keep=True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_read_file_leaves_its_payments_out_of_the_young_generations(collector_on: None) -> None:
    payments = [BankPayment(amount=100 + i, pay_date=dt.date(2026, 3, 3), reference=f"{i}5",
                            bank_serial=f"{i:012d}", receiving_account="9912346",
                            deposit_serial=f"{i // 1000:05d}") for i in range(3000)]
    data = write_bgmax(payments, created_at=dt.datetime(2026, 3, 31))
    result = read_bgmax(data, "fil.txt")
    young = gc.get_objects(generation=0) + gc.get_objects(generation=1)
    ids = {id(p) for p in result.payments}
    assert not any(id(o) in ids for o in young)
    assert gc.get_count()[0] < 100 and gc.get_freeze_count() == 0


def test_keep_thaws_nothing_someone_else_froze_and_does_nothing_after_an_error(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 12)
    with gc_paused(keep=True):
        pass
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 0)
    with pytest.raises(ValueError), gc_paused(keep=True):
        raise ValueError("refused")
    assert calls == [] and gc.isenabled()
    with gc_paused(keep=True):
        pass
    assert calls == ["freeze", "unfreeze"]
