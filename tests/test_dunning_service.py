"""Reminder and demand runs on SQLite and PostgreSQL: levels and settings, the schedule with
bank-day moves, fees and their caps, minimum amount, blocks, one transaction, ready for
collection. Letters and reprints: ``test_dunning_letters.py``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.factories import make_customer, make_invoice, make_object, make_owner
from tests.rate_data import rates_with_h2_2026, store_rates
from tui_inkasso.db.models import (
    AuditEntry,
    CollectionCase,
    Contract,
    DunningNotice,
    DunningRun,
    Invoice,
    ReferenceRate,
)
from tui_inkasso.domain.dunning import DunningLevel
from tui_inkasso.domain.interest import ReferenceRate as Rate
from tui_inkasso.domain.interest import default_reference_rates, late_interest
from tui_inkasso.services import (
    dunning_blocks,
    dunning_candidates,
    dunning_levels,
    dunning_run,
    ready_for_collection,
)
from tui_inkasso.services.errors import DunningError, NotFound
from tui_inkasso.services.selection import Selection
from tui_inkasso.services.settings import set_setting

REMINDER = DunningLevel(1, "Påminnelse", 10, 6000, 10, "Vi har inte fått betalt för fakturan nedan.", False,
                        "reminder")
DEMAND = DunningLevel(2, "Krav", 12, 18000, 10, "Betala senast på angivet datum, annars inkasso.", True,
                      "collection_demand")
MIDSUMMER_EVE = dt.date(2026, 6, 19)
"""A Friday the banks are closed: a due date on it moves to Monday 2026-06-22."""


@pytest.fixture
def levels(any_db: str) -> list[DunningLevel]:
    """The levels, and the reference rate for 2026-07-01 that runs in July 2026 need."""
    store_rates()
    return dunning_levels.save_levels([REMINDER, DEMAND])


@pytest.fixture
def levels_without_rates(any_db: str) -> list[DunningLevel]:
    """The levels alone: the rate table is empty and reads as the shipped one."""
    return dunning_levels.save_levels([REMINDER, DEMAND])


def contract(number: str, *, fee_allowed: bool = True, customer_number: str = "K1001") -> Contract:
    customer = make_customer(customer_number)
    return Contract.create(number=number, customer=customer, rental_object=make_object(),
                           start_date=dt.date(2025, 1, 1), reminder_fee_allowed=fee_allowed)


def invoice(number: str, *, due: dt.date = MIDSUMMER_EVE, amount: int = 845000, fee_allowed: bool | None = True,
            customer_number: str = "K1001", kind: str = "rent") -> Invoice:
    """An invoice with a contract (``fee_allowed`` None: no contract at all)."""
    customer = make_customer(customer_number, name=f"Kund {customer_number}")
    inv = make_invoice(number, amount=amount, due_date=due, customer=customer, kind=kind)
    if fee_allowed is not None:
        c = contract(f"A-{number}", fee_allowed=fee_allowed, customer_number=customer_number)
        Invoice.update(contract=c).where(Invoice.id == inv.id).execute()
    return Invoice.get_by_id(inv.id)


def issued(number: str) -> list[tuple[int, dt.date, int]]:
    inv = Invoice.get(Invoice.number == number)
    return [(n.level, n.issued_on, n.fee) for n in DunningNotice.select().where(DunningNotice.invoice == inv)
            .order_by(DunningNotice.level)]


# --- levels and settings ------------------------------------------------------------------------


def test_levels_round_trip_and_invalid_ones_are_refused_whole(levels: list[DunningLevel]) -> None:
    assert dunning_levels.get_levels() == [REMINDER, DEMAND]
    too_short = DunningLevel(2, "Krav", 5, 18000, 7, "x", True)
    with pytest.raises(DunningError) as refused:
        dunning_levels.save_levels([REMINDER, too_short])
    message = str(refused.value)
    assert "Nivå 2 (Krav): betalningstiden är 7 dagar; minst 8." in message
    assert dunning_levels.get_levels() == [REMINDER, DEMAND]
    over_cap = DunningLevel(1, "Påminnelse", 10, 7500, 10, "x", False)
    with pytest.raises(DunningError, match="påminnelseavgiften 75,00 kr är högre än 60,00 kr"):
        dunning_levels.save_levels([over_cap, DEMAND])
    with pytest.raises(DunningError, match="nivå 1 är påminnelsen"):
        dunning_levels.save_levels([REMINDER, DunningLevel(2, "Krav", 12, 6000, 10, "x", False)])
    assert AuditEntry.select().where(AuditEntry.action == "dunning.levels").count() == 1


def test_settings_have_their_defaults_and_are_validated(sqlite_url: str) -> None:
    assert dunning_levels.min_amount() == 0
    assert (dunning_levels.fee_caps().reminder_ore, dunning_levels.fee_caps().demand_ore) == (6000, 18000)
    assert dunning_levels.printer() == ""
    assert set_setting("dunning.min_amount", "100") == "100.00"
    assert dunning_levels.min_amount() == 10000
    with pytest.raises(ValueError, match="negativt"):
        set_setting("dunning.demand_fee_cap", "-1")
    with pytest.raises(ValueError, match="inget skrivarnamn"):
        set_setting("dunning.printer", "my printer")


def test_reference_rates_default_until_saved_and_seeded_by_the_first_run(levels_without_rates: list[DunningLevel],
                                                                        tmp_path: Path) -> None:
    assert dunning_levels.get_reference_rates() == default_reference_rates()
    assert ReferenceRate.select().count() == 0
    invoice("9001", due=dt.date(2026, 6, 1))
    dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path / "brev")
    assert ReferenceRate.select().count() == len(default_reference_rates())
    with pytest.raises(DunningError, match="1 januari eller 1 juli"):
        dunning_levels.save_reference_rates([Rate(dt.date(2026, 3, 1), 200)])
    saved = dunning_levels.save_reference_rates([*default_reference_rates(), Rate(dt.date(2026, 7, 1), 175)])
    assert saved[-1] == Rate(dt.date(2026, 7, 1), 175)


# --- the schedule -------------------------------------------------------------------------------


def test_level_schedule_with_holiday_and_weekend_moves(levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001")
    # Due on midsummer eve: on time until Monday 22 June, so the reminder goes from 2 July.
    assert dunning_candidates.preview_run(dt.date(2026, 7, 1)).count == 0
    preview = dunning_candidates.preview_run(dt.date(2026, 7, 2))
    [row] = preview.rows
    assert (row.invoice_number, row.level, row.level_name, row.fee) == ("9001", 1, "Påminnelse", 6000)
    # 2 July + 10 days is Sunday 12 July: the deadline moves to Monday 13 July.
    assert row.deadline == dt.date(2026, 7, 13)
    # Interest from the day after the moved due date (22 June) to the run date: 10 days.
    assert row.interest == late_interest(845000, dt.date(2026, 6, 22), dt.date(2026, 7, 2),
                                         default_reference_rates()) == 2315
    assert row.total == 845000 + 2315 + 6000
    result = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    assert [(n.invoice_number, n.level, n.fee) for n in result.notices] == [("9001", 1, 6000)]
    inv = Invoice.get(Invoice.number == "9001")
    assert (inv.dunning_level, inv.dunning_date, inv.dunning_deadline, inv.fees) == (
        1, dt.date(2026, 7, 2), dt.date(2026, 7, 13), 6000)
    entry = AuditEntry.get(AuditEntry.action == "dunning.notice")
    assert (entry.object_type, entry.object_id, entry.user) == ("invoice", "9001", "testare")
    assert isinstance(entry.at, dt.datetime) and json.loads(entry.details) == {
        "name": "Påminnelse", "level": 1, "fee": 6000, "interest": 2315, "run": result.run_id}
    notice = DunningNotice.get(DunningNotice.invoice == inv.id)
    assert (notice.issued_on, notice.deadline, notice.run_id) == (dt.date(2026, 7, 2), dt.date(2026, 7, 13),
                                                                   result.run_id)
    # The demand: 12 days after the reminder (14 July), after its deadline (13 July).
    assert dunning_candidates.preview_run(dt.date(2026, 7, 13)).count == 0
    [demand] = dunning_candidates.preview_run(dt.date(2026, 7, 14)).rows
    assert (demand.level, demand.fee, demand.earlier_fees) == (2, 18000, 6000)
    dunning_run.run_dunning(dt.date(2026, 7, 14), out_dir=tmp_path / "brev")
    assert issued("9001") == [(1, dt.date(2026, 7, 2), 6000), (2, dt.date(2026, 7, 14), 18000)]
    assert Invoice.get(Invoice.number == "9001").fees == 24000
    assert dunning_candidates.preview_run(dt.date(2026, 12, 1)).count == 0


def test_a_second_run_on_the_same_date_issues_nothing_new(levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001")
    invoice("9002", customer_number="K1002")
    first = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    assert first.count == 2 and first.pdf_path is not None and first.pdf_path.exists()
    again = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    assert (again.count, again.run_id, again.pdf_path) == (0, None, None)
    assert "Inget att skicka" in again.message
    assert DunningRun.select().count() == 1
    assert DunningNotice.select().count() == 2
    assert sorted(p.name for p in (tmp_path / "brev").iterdir()) == [first.pdf_path.name]


def test_fee_caps_and_the_contracts_reminder_fee(levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001", fee_allowed=True)
    invoice("9002", fee_allowed=False, customer_number="K1002")
    invoice("9003", fee_allowed=None, customer_number="K1003")
    set_setting("dunning.reminder_fee_cap", "50")
    fees = {r.invoice_number: r.fee for r in dunning_candidates.preview_run(dt.date(2026, 7, 2)).rows}
    assert fees == {"9001": 5000, "9002": 0, "9003": 0}
    dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    set_setting("dunning.demand_fee_cap", "150")
    demands = {r.invoice_number: r.fee for r in dunning_candidates.preview_run(dt.date(2026, 7, 14)).rows}
    assert demands == {"9001": 15000, "9002": 15000, "9003": 15000}


def test_minimum_amount(levels: list[DunningLevel]) -> None:
    invoice("9001", amount=9999)
    invoice("9002", amount=10000, customer_number="K1002")
    set_setting("dunning.min_amount", "100.00")
    assert [r.invoice_number for r in dunning_candidates.preview_run(dt.date(2026, 7, 2)).rows] == ["9002"]


def test_paid_collection_marked_and_excluded_invoices(levels: list[DunningLevel]) -> None:
    paid = invoice("9001")
    Invoice.update(balance=0).where(Invoice.id == paid.id).execute()
    marked = invoice("9002", customer_number="K1002")
    case = CollectionCase.create(number="IK-1", system="inhouse", owner=make_owner(), customer=marked.customer,
                                 created_at=dt.datetime(2026, 7, 1), created_by="testare")
    Invoice.update(collection_case=case).where(Invoice.id == marked.id).execute()
    excluded = invoice("9003", customer_number="K1003")
    Invoice.update(excluded_reason="Tvist", excluded_by="testare", excluded_at=dt.datetime(2026, 7, 1)).where(
        Invoice.id == excluded.id).execute()
    # Exclusion keeps an invoice from collection, not from reminders (a block does that).
    assert [r.invoice_number for r in dunning_candidates.preview_run(dt.date(2026, 7, 2)).rows] == ["9003"]


def test_blocks_on_invoice_and_customer(levels: list[DunningLevel], tmp_path: Path) -> None:
    one = invoice("9001")
    two = invoice("9002", customer_number="K1002")
    invoice("9003", customer_number="K1003")
    block = dunning_blocks.block_invoice(one.id, "  Reklamation   pågår ")
    assert (block.reason, block.by) == ("Reklamation pågår", "testare")
    dunning_blocks.block_customer(two.customer_id, "Betalningsplan")
    assert [r.invoice_number for r in dunning_candidates.preview_run(dt.date(2026, 7, 2)).rows] == ["9003"]
    with pytest.raises(DunningError, match="skäl"):
        dunning_blocks.block_invoice(one.id, "   ")
    with pytest.raises(NotFound):
        dunning_blocks.block_customer(999999, "x")
    dunning_blocks.unblock_invoice(one.id)
    dunning_blocks.unblock_customer(two.customer_id)
    with pytest.raises(DunningError, match="ingen kravspärr"):
        dunning_blocks.unblock_invoice(one.id)
    assert len(dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev").notices) == 3
    actions = [a for (a,) in AuditEntry.select(AuditEntry.action).where(
        AuditEntry.action.startswith("dunning.") & ~AuditEntry.action.in_(["dunning.notice"]))
        .order_by(AuditEntry.id).tuples()]
    assert actions == ["dunning.reference_rates", "dunning.levels", "dunning.blocked", "dunning.blocked", "dunning.unblocked",
                       "dunning.unblocked", "dunning.run"]


def test_leave_out_and_selection(levels: list[DunningLevel], tmp_path: Path) -> None:
    one = invoice("9001")
    invoice("9002", customer_number="K1002", kind="direct")
    invoice("9003", customer_number="K1003")
    assert [r.invoice_number for r in dunning_candidates.preview_run(dt.date(2026, 7, 2), Selection(kinds=("rent",))).rows] \
        == ["9001", "9003"]
    result = dunning_run.run_dunning(dt.date(2026, 7, 2), Selection(kinds=("rent",)), leave_out={one.id},
                                 out_dir=tmp_path / "brev")
    assert [n.invoice_number for n in result.notices] == ["9003"]
    assert result.left_out == [one.id]
    assert [r.invoice_number for r in dunning_candidates.preview_run(dt.date(2026, 7, 2)).rows] == ["9001", "9002"]


def test_an_unwritable_letters_folder_records_nothing(levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001")
    not_a_folder = tmp_path / "brev.txt"
    not_a_folder.write_text("a file where the folder should be")
    audit_before = AuditEntry.select().count()
    with pytest.raises(DunningError, match="inget har registrerats") as refused:
        dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=not_a_folder / "körning")
    assert "brev.txt" in str(refused.value)
    # The setting refuses a file; a folder set and later replaced by a file stops the run.
    later_a_file = tmp_path / "brevmapp"
    later_a_file.mkdir()
    set_setting("dunning.letters_dir", str(later_a_file))
    later_a_file.rmdir()
    later_a_file.write_text("a file where the folder was")
    with pytest.raises(DunningError, match="ingen mapp"):
        dunning_run.run_dunning(dt.date(2026, 7, 2))
    assert DunningNotice.select().count() == 0 and DunningRun.select().count() == 0
    assert Invoice.get(Invoice.number == "9001").dunning_level == 0
    assert ReferenceRate.select().count() == len(rates_with_h2_2026())
    assert AuditEntry.select().count() == audit_before + 1  # only the setting change


def test_nothing_to_issue_says_so_and_writes_no_file(levels: list[DunningLevel], tmp_path: Path) -> None:
    result = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    assert result.count == 0 and "Inget att skicka 2026-07-02" in result.message
    assert list((tmp_path / "brev").iterdir()) == []


def test_levels_must_be_valid_before_a_run(sqlite_url: str, tmp_path: Path) -> None:
    invoice("9001")
    preview = dunning_candidates.preview_run(dt.date(2026, 7, 2))
    assert preview.rows == [] and "Inga kravnivåer" in preview.problems[0]
    with pytest.raises(DunningError, match="Inga kravnivåer"):
        dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")


def test_an_owner_without_bankgiro_stops_the_run(levels: list[DunningLevel], tmp_path: Path) -> None:
    inv = invoice("9001")
    from tui_inkasso.db.models import Owner

    Owner.update(bankgiro=None, plusgiro=None).where(Owner.id == inv.owner_id).execute()
    assert "saknar bankgiro och plusgiro" in dunning_candidates.preview_run(dt.date(2026, 7, 2)).problems[0]
    with pytest.raises(DunningError, match="saknar bankgiro"):
        dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    assert DunningNotice.select().count() == 0 and list((tmp_path / "brev").iterdir()) == []


# --- ready for collection -----------------------------------------------------------------------


def test_ready_for_collection(levels: list[DunningLevel], tmp_path: Path) -> None:
    one = invoice("9001")
    two = invoice("9002", customer_number="K1002")
    three = invoice("9003", customer_number="K1003")
    dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    dunning_run.run_dunning(dt.date(2026, 7, 14), out_dir=tmp_path / "brev")
    # The demand of 14 July gives until 24 July (a Friday): ready from 25 July.
    assert Invoice.get_by_id(one.id).dunning_deadline == dt.date(2026, 7, 24)
    assert not ready_for_collection.is_invoice_ready(one.id, dt.date(2026, 7, 24))
    assert ready_for_collection.is_invoice_ready(one.id, dt.date(2026, 7, 25))
    Invoice.update(balance=0).where(Invoice.id == two.id).execute()
    Invoice.update(excluded_reason="Tvist", excluded_by="t", excluded_at=dt.datetime(2026, 7, 20)).where(
        Invoice.id == three.id).execute()
    ready = [i.number for i in ready_for_collection.ready_for_collection_query(dt.date(2026, 7, 25)).order_by(Invoice.number)]
    assert ready == ["9001"]
    assert ready_for_collection.ready_for_collection_query(dt.date(2026, 7, 25), Selection(customers=("K1002",))).count() == 0
    # A third level configured later: no invoice has had it, so none is ready.
    dunning_levels.save_levels([REMINDER, DEMAND, DunningLevel(3, "Krav 2", 14, 0, 10, "Sista krav.", True)])
    assert ready_for_collection.ready_for_collection_query(dt.date(2026, 7, 25)).count() == 0


def test_nothing_is_ready_without_levels(any_db: str) -> None:
    inv = invoice("9001")
    Invoice.update(dunning_level=2, dunning_deadline=dt.date(2026, 7, 1)).where(Invoice.id == inv.id).execute()
    assert ready_for_collection.ready_for_collection_query(dt.date(2026, 8, 1)).count() == 0
    assert not ready_for_collection.is_invoice_ready(inv.id, dt.date(2026, 8, 1))


def test_configuration_is_checked_together_and_saved_all_or_nothing(levels: list[DunningLevel]) -> None:
    values = {"dunning.min_amount": "10", "dunning.reminder_fee_cap": "50", "dunning.demand_fee_cap": "180",
              "dunning.printer": "kontoret", "dunning.letters_dir": ""}
    # The reminder's 60 kr is above the cap being saved (50 kr), and one rate row is wrong.
    with pytest.raises(DunningError) as refused:
        dunning_levels.save_configuration([REMINDER, DEMAND], values, [Rate(dt.date(2026, 2, 1), 200)])
    message = str(refused.value)
    assert "högre än högsta påminnelseavgift 50,00 kr" in message and "1 januari eller 1 juli" in message
    assert dunning_levels.min_amount() == 0 and dunning_levels.printer() == ""
    assert ReferenceRate.select().count() == len(rates_with_h2_2026())
    with pytest.raises(DunningError, match="Skrivare för återutskrift"):
        dunning_levels.save_configuration([REMINDER, DEMAND], {**values, "dunning.printer": "a b"},
                                   default_reference_rates())
    cheaper = DunningLevel(1, "Påminnelse", 10, 5000, 10, REMINDER.letter_text, False, "reminder")
    dunning_levels.save_configuration([cheaper, DEMAND], values, default_reference_rates())
    assert dunning_levels.get_levels() == [cheaper, DEMAND]
    assert (dunning_levels.min_amount(), dunning_levels.fee_caps().reminder_ore, dunning_levels.printer()) == (1000, 5000, "kontoret")
    assert ReferenceRate.select().count() == len(default_reference_rates())


def test_get_block(levels: list[DunningLevel]) -> None:
    inv = invoice("9001")
    assert dunning_blocks.get_block("invoice", inv.id).reason is None
    dunning_blocks.block_customer(inv.customer_id, "Dödsbo")
    block = dunning_blocks.get_block("customer", inv.customer_id)
    assert (block.number, block.reason, block.by) == ("K1001", "Dödsbo", "testare")
    with pytest.raises(NotFound):
        dunning_blocks.get_block("invoice", 999999)
