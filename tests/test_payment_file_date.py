"""A bank file's own creation date against the day it is read (issue 13 review, item 2):
``domain.date_sanity.file_date_problem`` in the payment import's plan. A file "created" after
today (one day of clock difference allowed) or more than ten years back is refused naming the
file, line 1 and the timestamp field; nothing is recorded. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.common import run
from tests.factories import make_owner
from tests.payment_files import bgmax_payment, totalin_payment, write_bgmax_file, write_totalin_file
from tui_inkasso.db.models import AuditEntry, Payment, PaymentFile, Voucher
from tui_inkasso.services import payment_import as pi
from tui_inkasso.services.payment_refusals import PaymentImportError

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def owner(any_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUI_INKASSO_TODAY", TODAY.isoformat())
    make_owner("BAB", bankgiro="58056201", plusgiro="1234566")
    return any_db


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(18, 30))


def _nothing_recorded() -> None:
    assert PaymentFile.select().count() == Payment.select().count() == Voucher.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "payments.imported").exists()


def test_a_file_created_after_today_is_refused_naming_file_line_and_field(
        owner: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    created = dt.date(2027, 1, 4)
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(50000, "1002633", pay_date=created)],
                            created=_at(created))
    plan = pi.analyse_payment_file(path)
    assert not plan.can_import and [r.kind for r in plan.refusals] == ["date"]
    with pytest.raises(PaymentImportError) as caught:
        pi.import_payment_file(path)
    assert str(caught.value) == ("bg.txt, rad 1, fält tidsstämpel (pos 25–44): filens datum 2027-01-04 ligger "
                                 "efter dagens datum 2026-12-06")
    _nothing_recorded()
    code, out, err = run(capsys, owner, "import-payments", str(path))
    assert code == 1 and out == f"{path}: AVVISAD\n" and err.count("\n") == 1
    assert "bg.txt, rad 1, fält tidsstämpel (pos 25–44): filens datum 2027-01-04 ligger efter" in err
    _nothing_recorded()


def test_a_file_stamped_tomorrow_is_read(owner: str, tmp_path: Path) -> None:
    """A file written just after midnight at the bank may be read before midnight here."""
    tomorrow = TODAY + dt.timedelta(days=1)
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(50000, "1002633", pay_date=tomorrow)],
                            created=_at(tomorrow))
    assert pi.import_payment_file(path).status == "imported"
    assert Payment.select().count() == 1


def test_a_total_in_file_more_than_ten_years_old_is_refused(owner: str, tmp_path: Path) -> None:
    old = dt.date(2016, 12, 5)
    path = write_totalin_file(tmp_path, "ti.txt", [totalin_payment(50000, "1002633", pay_date=old,
                                                                   deposit="20161205001")],
                              created=_at(old))
    with pytest.raises(PaymentImportError) as caught:
        pi.import_payment_file(path)
    error = caught.value
    assert (error.line, error.field) == (1, "tidsstämpel (pos 15–34)")
    assert error.reason == "filens datum 2016-12-05 ligger mer än 10 år före dagens datum 2026-12-06"
    _nothing_recorded()
    ten_years = dt.date(2016, 12, 6)
    path = write_totalin_file(tmp_path, "ti2.txt", [totalin_payment(50000, "1002633", pay_date=ten_years,
                                                                    deposit="20161206001")],
                              created=_at(ten_years))
    assert pi.import_payment_file(path).status == "imported"


def test_other_refusals_are_listed_with_the_date(owner: str, tmp_path: Path) -> None:
    """The analysis lists every reason at once (a test file written in the future: both)."""
    created = dt.date(2027, 1, 4)
    path = write_bgmax_file(tmp_path, "bg.txt", [bgmax_payment(50000, "1002633", pay_date=created)],
                            created=_at(created), test=True)
    plan = pi.analyse_payment_file(path)
    assert [r.kind for r in plan.refusals] == ["date", "test"]
    with pytest.raises(PaymentImportError, match="ligger efter dagens datum 2026-12-06"):
        pi.import_payment_file(path, allow_test=True)
    _nothing_recorded()
