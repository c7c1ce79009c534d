"""Rent arrears: the list, the run with its letters and notices, service and receipt, the recovery by
payments, the marks on invoices, the daily check, the audit log. What touches the store in a way
the two databases could differ on (the list's query, the run, payments counted) runs on SQLite and
PostgreSQL; the rest on SQLite, to keep the suite fast."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.arrears_data import DAY, LISTED, RENT, ArrearsLedger, arrears, arrears_sqlite, pay
from tests.common import pdf_pages, words
from tui_inkasso.db.models import AuditEntry, Termination, TerminationFile, TerminationInvoice
from tui_inkasso.domain.rent_arrears import RecoveryState
from tui_inkasso.formats.rent_arrears_docs import SocialnamndNotice, TerminationLetter
from tui_inkasso.services import arrears as arrears_service
from tui_inkasso.services import arrears_check, arrears_run, audit, termination_state
from tui_inkasso.services.arrears_run import ArrearsRunError
from tui_inkasso.services.eviction_summary import SummaryError, eviction_summary, sent_text
from tui_inkasso.services.selection import Selection
from tui_inkasso.services.termination_state import TerminationError

NEXT_DAY = DAY + dt.timedelta(days=1)

__all__ = ["arrears", "arrears_sqlite"]  # the fixtures, imported for pytest


def _numbers(contracts: list[arrears_service.ArrearsContract]) -> list[str]:
    return sorted(c.contract_number for c in contracts)


def test_the_list_shows_exactly_what_the_statute_allows(arrears: ArrearsLedger) -> None:
    on_day = arrears_service.arrears_list(DAY)
    assert _numbers(on_day.contracts) == LISTED
    late = next(c for c in on_day.contracts if c.contract_number == "H-DWELL-LATE")
    assert [(r.invoice_number, r.due_date, r.days_late, r.balance, r.paid) for r in late.overdue] == [
        (arrears.invoices["late_old"].number, dt.date(2026, 10, 30), 39, RENT - RENT // 2, RENT // 2),
        (arrears.invoices["late"].number, dt.date(2026, 11, 30), 8, RENT, 0)]
    assert late.owed == RENT + RENT - RENT // 2, "rent only: no direct invoice, fee or interest"
    assert late.size == "2 rum och kök, 58 m²" and late.municipality == "Uppsala" and late.problems == ()
    malmo = next(c for c in on_day.contracts if c.contract_number == "H-MALMO")
    assert malmo.problems == ("socialnämnden i Malmö saknar adress (Inställningar → Socialnämnder)",)
    the_day_before = arrears_service.arrears_list(DAY - dt.timedelta(days=1))
    assert _numbers(the_day_before.contracts) == ["H-DWELL-LATE"], "the premises' two vardagar end on Monday 12-07"
    assert [r.due_date for r in the_day_before.contracts[0].overdue] == [dt.date(2026, 10, 30)], \
        "the November rent's week ends on Monday 12-07 too"
    next_day = arrears_service.arrears_list(NEXT_DAY)
    assert _numbers(next_day.contracts) == sorted([*LISTED, "H-DWELL-EDGE", "H-PREM-EDGE"])


def test_the_standard_selection_picks_contracts_never_shortens_their_arrears(arrears_sqlite: ArrearsLedger) -> None:
    by_due = arrears_service.arrears_list(DAY, Selection(due_from=dt.date(2026, 10, 1), due_to=dt.date(2026, 10, 31)))
    assert _numbers(by_due.contracts) == ["H-DWELL-LATE"]
    assert len(by_due.contracts[0].overdue) == 2, "the November rent is still owed"
    by_object_type = arrears_service.arrears_list(DAY, Selection(object_types=("LOK",)))
    assert _numbers(by_object_type.contracts) == ["H-PREM-LATE"]


def test_leave_out_and_include_with_a_reason(arrears_sqlite: ArrearsLedger) -> None:
    moved = arrears_service.leave_out(["H-PREM-LATE"], "Avbetalningsplan överenskommen")
    assert moved.moved == ["H-PREM-LATE"]
    listed = arrears_service.arrears_list(DAY)
    assert _numbers(listed.contracts) == ["H-DWELL-LATE", "H-MALMO"]
    assert [(c.contract_number, c.excluded_reason, c.excluded_by) for c in listed.excluded] == [
        ("H-PREM-LATE", "Avbetalningsplan överenskommen", "testare")]
    with pytest.raises(ArrearsRunError, match="H-PREM-LATE: undantaget: Avbetalningsplan överenskommen"):
        arrears_run.terminate(["H-PREM-LATE"], DAY)
    assert arrears_service.include(["H-PREM-LATE"]).moved == ["H-PREM-LATE"]
    assert _numbers(arrears_service.arrears_list(DAY).contracts) == LISTED
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.object_id == "H-PREM-LATE")]
    assert actions == ["arrears.excluded", "arrears.included"]


def test_a_run_makes_the_letters_and_the_notices_with_exact_amounts(arrears: ArrearsLedger) -> None:
    result = arrears_run.terminate(["H-DWELL-LATE", "H-PREM-LATE"], DAY)
    owed = RENT + RENT - RENT // 2
    assert [(t.contract_number, t.recovery_amount, t.municipality) for t in result.terminated] == [
        ("H-DWELL-LATE", owed, "Uppsala"), ("H-PREM-LATE", RENT, None)]
    assert result.letters_pdf.parent == arrears.out / "uppsagningar" and result.letters_pdf.exists()
    assert list(result.socialnamnd_pdfs) == ["Uppsala"] and result.socialnamnd_pdfs["Uppsala"].exists()
    letters = [words(" ".join(page)) for page in pdf_pages(result.letters_pdf.read_bytes())]
    assert len(letters) == 4, "a termination letter and a notice per tenant"
    assert "Uppsägning av hyresavtal på grund av obetald hyra" in letters[0]
    assert "12 kap. 42 § första stycket 1 jordabalken" in letters[0]
    assert "Underrättelse till bostadshyresgäst om möjlighet att få tillbaka hyresrätten" in letters[1]
    assert "genom att betala 18 518,25 kr, den obetalda hyran nedan, inom tre veckor" in letters[1]
    assert "socialnämnden i Uppsala kommun" in letters[1] and "formulär 1" in letters[1]
    assert "Underrättelse till lokalhyresgäst" in letters[3] and "inom två veckor" in letters[3]
    assert "12 345,50 kr" in letters[3] and "formulär 2" in letters[3] and "socialnämnden" not in letters[3]
    notice = words(" ".join(pdf_pages(result.socialnamnd_pdfs["Uppsala"].read_bytes())[0]))
    assert "Meddelande till socialnämnd om uppsägning av bostadshyresgäst" in notice
    for part in ("Socialnämnden i Uppsala kommun", "Hyresgäst K1", "19800101-0001", "2 rum och kök, 58 m²",
                 "Månadshyra 12 345,50 kr", "Uppsagd den 2026-12-08", "18 518,25 kr", "formulär 3"):
        assert part in notice, part
    stored = Termination.get(Termination.id == result.terminated[0].termination_id)
    letter = TerminationLetter.from_json(stored.letter)
    assert letter.recovery_amount_ore == owed and [r.amount_ore for r in letter.rents] == [RENT - RENT // 2, RENT]
    assert SocialnamndNotice.from_json(stored.notice).size == "2 rum och kök, 58 m²"
    assert TerminationInvoice.select().count() == 3
    assert {f.kind for f in TerminationFile.select()} == {"letters", "socialnamnd"}
    assert words(sent_text("H-DWELL-LATE", DAY)).count("18 518,25 kr") >= 3
    entries = {(e.action, e.object_id) for e in AuditEntry.select().where(AuditEntry.action.startswith("arrears"))}
    assert entries == {("arrears.run", str(result.run_id)), ("arrears.terminated", "H-DWELL-LATE"),
                       ("arrears.terminated", "H-PREM-LATE")}
    shown = [line.readable_details for line in audit.recent(10) if line.action == "arrears.terminated"]
    assert "bostad, 18 518,25 kr för återvinning" in words(" ".join(shown))
    again = arrears_service.arrears_list(DAY)
    assert _numbers(again.contracts) == ["H-MALMO"] and "redan uppsagda" in again.notes[0]
    with pytest.raises(ArrearsRunError, match="redan uppsagt"):
        arrears_run.terminate(["H-DWELL-LATE"], DAY)


def test_a_dwelling_whose_municipality_has_no_address_stops_the_run(arrears_sqlite: ArrearsLedger) -> None:
    with pytest.raises(ArrearsRunError) as raised:
        arrears_run.terminate(["H-DWELL-LATE", "H-MALMO", "H-DWELL-EDGE", "NOPE"], DAY)
    message = str(raised.value)
    assert "H-MALMO: socialnämnden i Malmö saknar adress" in message
    assert "NOPE: hyresavtalet finns inte" in message
    assert "H-DWELL-EDGE: ingen hyra är obetald längre än 12 kap. 42 § jordabalken medger" in message
    assert message.endswith("Inget har registrerats.")
    assert Termination.select().count() == 0 and TerminationFile.select().count() == 0
    folder = arrears_sqlite.out / "uppsagningar"
    assert not folder.exists() or [p.name for p in folder.iterdir()] in ([], [".uppsagning-pending"])


def _terminated(ledger: ArrearsLedger) -> None:
    arrears_run.terminate(["H-DWELL-LATE", "H-PREM-LATE"], DAY)


def test_service_and_receipt_give_the_last_day_and_are_checked(arrears_sqlite: ArrearsLedger) -> None:
    _terminated(arrears_sqlite)
    view = termination_state.termination_for("H-DWELL-LATE", DAY)
    assert view.state is RecoveryState.WAITING_FOR_SERVICE and view.last_day is None
    with pytest.raises(TerminationError, match="ligger före uppsägningen 2026-12-08"):
        termination_state.record_service("H-DWELL-LATE", DAY - dt.timedelta(days=1), "receipt", DAY)
    with pytest.raises(TerminationError, match="ligger efter i dag"):
        termination_state.record_service("H-DWELL-LATE", DAY + dt.timedelta(days=1), "receipt", DAY)
    with pytest.raises(TerminationError, match="okänt delgivningssätt"):
        termination_state.record_service("H-DWELL-LATE", DAY, "brevduva", DAY)
    view = termination_state.record_service("H-DWELL-LATE", dt.date(2026, 12, 10), "process_server", dt.date(2026, 12, 11))
    assert view.state is RecoveryState.WAITING_FOR_SERVICE and view.state_text == "Väntar på socialnämndens mottagande"
    view = termination_state.record_socialnamnd_received("H-DWELL-LATE", dt.date(2026, 12, 9), dt.date(2026, 12, 11))
    assert view.state is RecoveryState.RECOVERY_RUNNING
    assert view.last_day == dt.date(2027, 1, 4), "from service 12-10: +21 = nyårsafton"
    view = termination_state.record_socialnamnd_received("H-DWELL-LATE", dt.date(2026, 12, 14), dt.date(2026, 12, 14))
    assert view.last_day == dt.date(2027, 1, 4), "12-14 + 21 = Monday 01-04"
    with pytest.raises(TerminationError, match="gäller en lokal"):
        termination_state.record_socialnamnd_received("H-PREM-LATE", DAY, DAY)
    premises = termination_state.record_service("H-PREM-LATE", dt.date(2026, 12, 10), "receipt", dt.date(2026, 12, 10))
    assert premises.last_day == dt.date(2026, 12, 28), "+14 = julafton"
    assert Termination.get(Termination.id == premises.id).state == RecoveryState.RECOVERY_RUNNING.value
    assert [e.action for e in AuditEntry.select().where(AuditEntry.object_id == "H-DWELL-LATE",
                                                        AuditEntry.action != "arrears.terminated")
            .order_by(AuditEntry.id)] == ["arrears.served", "arrears.socialnamnd_received", "arrears.state",
                                          "arrears.socialnamnd_received"]


def _running(ledger: ArrearsLedger) -> None:
    _terminated(ledger)
    termination_state.record_service("H-DWELL-LATE", DAY, "receipt", DAY)
    termination_state.record_socialnamnd_received("H-DWELL-LATE", DAY, DAY)   # last day 2026-12-29
    termination_state.record_service("H-PREM-LATE", DAY, "receipt", DAY)      # last day 2026-12-22


def test_full_payment_in_time_recovers(arrears: ArrearsLedger) -> None:
    _running(arrears)
    pay(arrears.invoice("late_old"), RENT - RENT // 2, dt.date(2026, 12, 15))
    view = termination_state.termination_for("H-DWELL-LATE", dt.date(2026, 12, 15))
    assert view.state is RecoveryState.RECOVERY_RUNNING and view.recovery.missing == RENT, "partial: not yet"
    pay(arrears.invoice("late"), RENT, dt.date(2026, 12, 29))
    view = termination_state.termination_for("H-DWELL-LATE", dt.date(2027, 2, 1))
    assert view.state is RecoveryState.RECOVERED and view.recovery.paid_in_time == view.recovery_amount
    with pytest.raises(SummaryError, match="Återvunnen"):
        eviction_summary("H-DWELL-LATE", dt.date(2027, 2, 1))


def test_a_partial_or_late_payment_does_not_recover(arrears: ArrearsLedger) -> None:
    _running(arrears)
    pay(arrears.invoice("prem"), RENT - 1, dt.date(2026, 12, 22))
    pay(arrears.invoice("late_old"), RENT - RENT // 2, dt.date(2026, 12, 20))
    pay(arrears.invoice("late"), RENT, dt.date(2026, 12, 30))
    premises = termination_state.termination_for("H-PREM-LATE", dt.date(2026, 12, 23))
    assert premises.state is RecoveryState.NOT_RECOVERED and premises.recovery.missing == 1
    dwelling = termination_state.termination_for("H-DWELL-LATE", dt.date(2026, 12, 30))
    assert dwelling.state is RecoveryState.NOT_RECOVERED
    assert (dwelling.recovery.paid_in_time, dwelling.recovery.paid_late) == (RENT - RENT // 2, RENT)
    summary = eviction_summary("H-DWELL-LATE", dt.date(2027, 1, 2))
    assert summary.last_day == dt.date(2026, 12, 29) and summary.eviction_from == dt.date(2027, 1, 5)
    assert [(p.pay_date, p.in_time) for p in summary.payments] == [(dt.date(2026, 12, 20), True),
                                                                    (dt.date(2026, 12, 30), False)]
    assert (summary.open_capital_ore, summary.open_fees_ore, summary.open_interest_ore) == (7_234, 0, 0), \
        "the settlement order put the late payment on the fee and the interest first"


def test_a_payment_before_the_termination_is_in_the_amount_not_counted_again(arrears_sqlite: ArrearsLedger) -> None:
    pay(arrears_sqlite.invoice("late"), 100_000, dt.date(2026, 12, 7))
    result = arrears_run.terminate(["H-DWELL-LATE"], DAY)
    assert result.terminated[0].recovery_amount == RENT - 100_000 + RENT - RENT // 2
    view = termination_state.termination_for("H-DWELL-LATE", DAY)
    assert view.payments == () and view.recovery.paid_in_time == 0


def test_the_marks_on_invoices_and_the_daily_check(arrears_sqlite: ArrearsLedger) -> None:
    _running(arrears_sqlite)
    marks = termination_state.invoice_marks([arrears_sqlite.invoices["late"].id, arrears_sqlite.invoices["edge"].id], DAY)
    assert list(marks) == [arrears_sqlite.invoices["late"].id]
    assert marks[arrears_sqlite.invoices["late"].id].text == (
        "Hyresavtalet H-DWELL-LATE är uppsagt 2026-12-08 för obetald hyra: Återvinningsfrist löper t.o.m. "
        "2026-12-29. Beslut om inkasso fattas för sig; uppsägningen påverkas inte av det.")
    quiet = arrears_check.daily_check(dt.date(2026, 12, 20))
    assert quiet.changes == [] and not quiet.needs_action and [v.contract_number for v in quiet.ending_soon] == [
        "H-PREM-LATE"]
    check = arrears_check.daily_check(dt.date(2026, 12, 23))
    assert [(c.view.contract_number, c.old, c.new) for c in check.changes] == [
        ("H-PREM-LATE", "recovery_running", RecoveryState.NOT_RECOVERED)]
    assert check.needs_action and "H-PREM-LATE" in check.summary and "ansök om avhysning" in check.summary
    assert arrears_check.daily_check(dt.date(2026, 12, 23)).changes == [], "moved once"
    assert Termination.get(Termination.state == "not_recovered").state_since == dt.date(2026, 12, 23)


def test_the_run_writes_nothing_when_a_file_cannot_be_written(arrears_sqlite: ArrearsLedger, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ArrearsRunError, match="ingen mapp utan en fil; inget har registrerats"):
        arrears_run.terminate(["H-PREM-LATE"], DAY, blocker)
    assert Termination.select().count() == 0


def test_the_scheduled_check_mails_whoever_must_act(arrears_sqlite: ArrearsLedger,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_inkasso.db.models import ScheduledService
    from tui_inkasso.services import scheduled_jobs, scheduled_runs

    _running(arrears_sqlite)
    stamp = dt.datetime(2026, 12, 1, 8, 0)
    service = ScheduledService.create(name="Bevakning", service="uppsagningar", notify_emails="hyra@example.se",
                                      frequency="day", at_time="06:00", created_at=stamp, changed_at=stamp)
    assert scheduled_jobs.service_label(service.service) == "Bevaka uppsägningar"
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-12-23")
    run = scheduled_runs.run_now(service.id)
    assert run.result == "ok" and "H-PREM-LATE" in run.summary
    assert "E-post till hyra@example.se kunde inte skickas" in run.error, "it tried: someone must act"
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-12-24")
    quiet = scheduled_runs.run_now(service.id)
    assert quiet.result == "ok" and quiet.error == "", "nothing to act on: no mail"
