"""SVG snapshots of Verktyg → Schemalagda tjänster and Verktyg → Utkorg (snapshots/test_snapshots_tools/).

The list of services with their last runs, every step of the Ny wizard (and a refused step),
Redigera's first filled step, a service's runs and one run in full; the outbox with a waiting,
a retried, a sent and a failed file, and one record in full. Next runs are computed from the
scheduled service's clock and the outbox stamps with its own: both are pinned here, and every
stored time is fixed, so the pictures are the same whatever time of day the tests run. Update with ``--snapshot-update`` and look at
the SVGs before committing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.common import app_db, fixed_folder
from tests.staff import approve_pending, in_force
from tests.tui_helpers import Steps, steps
from tui_inkasso.app import InkassoApp
from tui_inkasso.db.models import OutboxFile, ServiceRun
from tui_inkasso.services import outbox, scheduled
from tui_inkasso.services.scheduled import ServiceSpec

__all__ = ["app_db"]  # the fixture, imported for pytest

SIZE = (130, 40)
NOW = dt.datetime(2026, 11, 28, 10, 15)
"""The scheduled services' clock: next runs are counted from here."""
FOLDER = Path("/tmp/tui-inkasso-snapshots/utkorg")
WORKER = "inkasso01:4711"


def _run(service_id: int, slot: str, trigger: str, start: dt.datetime, seconds: int, result: str,
         file: str = "", error: str = "") -> None:
    ServiceRun.create(
        service=service_id, slot=slot, trigger=trigger, started_at=start,
        finished_at=start + dt.timedelta(seconds=seconds), result=result, file=file, error=error,
        worker=WORKER,
    )


@pytest.fixture
def services(app_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three services: weekly with good runs and a failed catch-up, monthly never run, one off."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", NOW.date().isoformat())
    monkeypatch.setattr(scheduled, "clock_now", lambda: NOW)
    weekly = scheduled.create_service(ServiceSpec(
        name="Saldofil till Intrum", description="Alla okända korrigeringar",
        notify_emails=("ekonomi@fastighet.se",), frequency="week", weekdays=("mon", "thu"), at_time="05:30",
    ))
    scheduled.create_service(ServiceSpec(
        name="Saldofil vid månadsskiftet", frequency="month", month_day="last", at_time="22:00",
    ))
    nightly = scheduled.create_service(ServiceSpec(
        name="Saldofil varje natt (gammal)", enabled=False, frequency="day", at_time="02:00",
    ))
    approve_pending()  # the weekly one's recipients: four eyes
    folder = "/srv/inkasso/saldofiler"
    _run(weekly.id, "2026-11-19T05:30", "schedule", dt.datetime(2026, 11, 19, 5, 30, 1), 4, "ok",
         f"{folder}/saldo-BAB-20261119-053001.xml")
    _run(weekly.id, "2026-11-23T05:30", "catch-up", dt.datetime(2026, 11, 23, 7, 2, 44), 31, "failed",
         error=f"Körningen misslyckades: {folder}/saldo-BAB-20261123-070244.xml: kunde inte skriva filen: "
               "disken är full (No space left on device); ingen fil skapades och ingenting sparades")
    # the balance service's words for a full disk (services.publishing.os_reason)
    _run(weekly.id, "manual-20261123T081510.000000", "manual", dt.datetime(2026, 11, 23, 8, 15, 10), 3, "ok",
         f"{folder}/saldo-BAB-20261123-081510.xml")
    _run(weekly.id, "2026-11-26T05:30", "schedule", dt.datetime(2026, 11, 26, 5, 30, 2), 0, "ok")
    _run(nightly.id, "2026-10-31T02:00", "schedule", dt.datetime(2026, 10, 31, 2, 0, 1), 2, "ok",
         f"{folder}/saldo-BAB-20261031-020001.xml")


def test_services_list(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("t"))


def test_service_runs(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("t", "enter"))


def test_service_run_in_full(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("t", "enter", "down", "down", "enter"))


# --- the Ny wizard, one step each -------------------------------------------------------------

NEW = ("t", "n")
TO_NAME = (*NEW, "enter")
NAME = ("Saldofil till Svea", "Korrigeringar för Svea-ärenden")


def keys_of(text: str) -> tuple[str, ...]:
    """``text`` as the keys that type it."""
    return tuple("space" if char == " " else char for char in text)


def _name_step(then: tuple[str, ...]) -> Steps:
    """Ny → Skapa saldofil → the name step with the name and description typed, then ``then``."""
    return steps(*TO_NAME, text=NAME[0], then=("tab", *keys_of(NAME[1]), *then))


def test_wizard_service_kind(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps(*NEW))


def test_wizard_name(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_name_step(()))


def test_wizard_mail_refused(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    bad = keys_of("ekonomi.fastighet.se")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_name_step(("f2", *bad, "f2")))


def test_wizard_frequency(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    mail = keys_of("ekonomi@fastighet.se")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_name_step(("f2", *mail, "f2")))


def test_wizard_when_weekdays(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    keys = ("f2", "f2", "down", "enter", "home", "ctrl+k", *keys_of("05:30"),
            "tab", "space", "tab", "tab", "tab", "space")  # måndag, torsdag
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_name_step(keys))


def test_wizard_when_month_refused(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    keys = ("f2", "f2", "down", "down", "enter", "tab", "3", "1", "f2")
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_name_step(keys))


def test_wizard_review(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    keys = ("f2", *keys_of("ekonomi@fastighet.se, drift@fastighet.se"), "tab", "space", "f2",
            "down", "down", "down", "enter", "f2")  # every hour from 06:00
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=_name_step(keys))


def test_wizard_edit_name(services: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("t", "e", "enter"))


# --- Utkorg -----------------------------------------------------------------------------------


@pytest.fixture
def outbox_files(app_db: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    """Four files for the agency's server, through the real outbox: sent, failed, retried, new.

    The server is a closed port on this machine, so a try fails at once with the transport's own
    words and is retried later; a file changed after it was recorded is refused for good. The
    outbox's clock is set before each step and the files lie in a fixed folder, so every time,
    path and checksum is the same on every run.
    """
    with fixed_folder(FOLDER / request.node.name) as folder:
        folder.mkdir(parents=True)
        _record_outbox_files(folder, monkeypatch)
        yield


def _record_outbox_files(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", NOW.date().isoformat())
    in_force({"collection.upload_url": "ftp://inkasso@127.0.0.1:1/in"})
    clock = [NOW]
    monkeypatch.setattr(outbox, "clock_now", lambda: clock[0])

    def record(name: str, at: dt.datetime) -> OutboxFile:
        clock[0] = at
        path = folder / name
        path.write_bytes(b"<Saldokorrigeringar/>\n")
        row = outbox.enqueue_delivery(path, "saldofil")
        assert row is not None
        return row

    sent = record("saldo-BAB-20261119-053001.xml", dt.datetime(2026, 11, 19, 5, 30, 5))
    OutboxFile.update(status="sent", attempts=1, next_attempt_at=None, sent_at=dt.datetime(2026, 11, 19, 5, 30, 7),
                      remote_path="/in/saldo-BAB-20261119-053001.xml").where(OutboxFile.id == sent.id).execute()
    changed = record("saldo-BAB-20261126-053002.xml", dt.datetime(2026, 11, 26, 5, 30, 6))
    (folder / "saldo-BAB-20261126-053002.xml").write_bytes(b"<Saldokorrigeringar>andrad</Saldokorrigeringar>\n")
    assert outbox.deliver_now(changed).status == "failed"  # type: ignore[union-attr]
    retried = record("IK-2026-000007.xml", dt.datetime(2026, 11, 28, 9, 58, 12))
    assert outbox.deliver_now(retried).status == "waiting"  # type: ignore[union-attr]
    record("saldo-BAB-20261128-101400.xml", dt.datetime(2026, 11, 28, 10, 14))


def test_outbox(outbox_files: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("u"))


def test_outbox_failed_only(outbox_files: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("u", "f", "f"))


def test_outbox_record_in_full(outbox_files: None, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(InkassoApp(), terminal_size=SIZE, run_before=steps("u", "down", "down", "enter"))
