"""Fees within the law, letters that meet it, and the reference rate a run needs (issue 13), on
SQLite and PostgreSQL: a cap above the statutory ceiling is refused wherever it is set, a
configuration that would charge a fee the law does not allow is refused and an unlawful stored
one stops every run with the reasons, a second collection fee on one claim is impossible, a
collection demand's letter holds every part inkassolagen 5 § asks for, the rent sentence is only
on dwellings and premises, and a run that needs a missing half-year's rate is refused naming it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import peewee as pw
import pytest

from tests.collection_data import CollectionLedger, ledger
from tests.common import run
from tests.factories import make_customer, make_invoice, make_object
from tests.rate_data import store_rates
from tui_inkasso.db.models import (
    CollectionCase,
    Contract,
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    InvoiceCharge,
)
from tui_inkasso.db.models import ReferenceRate as ReferenceRateRow
from tui_inkasso.domain.dunning import DunningLevel
from tui_inkasso.domain.interest import ReferenceRate, default_reference_rates
from tui_inkasso.domain.money import format_sek
from tui_inkasso.formats.letter import LetterData, render_letter_text
from tui_inkasso.services import (
    collection_run,
    dunning_candidates,
    dunning_levels,
    dunning_reprint,
    dunning_run,
)
from tui_inkasso.services.collection_errors import CollectionError
from tui_inkasso.services.errors import DunningError
from tui_inkasso.services.setting_keys import SettingError
from tui_inkasso.services.settings import set_setting

REMINDER = DunningLevel(1, "Påminnelse", 10, 6000, 10, "Betala {att_betala} senast {betalas_senast}.", False,
                        "reminder")
DEMAND = DunningLevel(2, "Inkassokrav", 12, 18000, 10,
                      "Vi kräver dig på {att_betala}. Räntan är {ranta_procent} från {ranta_fran}.", True,
                      "collection_demand")
DUE = dt.date(2026, 6, 1)
COLLECTION_DAY = dt.date(2026, 11, 28)
__all__ = ["ledger"]


def _invoice(number: str, *, sfi: str = "bostad", kind: str = "rent", fee_allowed: bool = True,
             customer: str = "K1001") -> Invoice:
    obj = make_object(f"O-{number}", sfi=sfi)
    cust = make_customer(customer, name=f"Kund {customer}")
    inv = make_invoice(number, due_date=DUE, customer=cust, rental_object=obj, kind=kind)
    contract = Contract.create(number=f"A-{number}", customer=cust, rental_object=obj, start_date=dt.date(2025, 1, 1),
                               reminder_fee_allowed=fee_allowed)
    Invoice.update(contract=contract).where(Invoice.id == inv.id).execute()
    return Invoice.get_by_id(inv.id)


@pytest.fixture
def levels(any_db: str) -> list[DunningLevel]:
    store_rates()
    return dunning_levels.save_levels([REMINDER, DEMAND])


# --- fees within the law ------------------------------------------------------------------------


def test_a_cap_above_the_ceiling_is_refused_in_settings_and_the_cli(any_db: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SettingError, match="påminnelseavgiften 100,00 kr är högre än 60,00 kr.*lag \\(1981:739\\)"):
        set_setting("dunning.reminder_fee_cap", "100.00")
    with pytest.raises(SettingError, match="inkassoavgiften 500,00 kr är högre än 180,00 kr"):
        set_setting("dunning.demand_fee_cap", "500")
    assert set_setting("dunning.reminder_fee_cap", "50") == "50.00", "a lower cap is fine"
    code, _, err = run(capsys, any_db, "settings", "set", "dunning.demand_fee_cap", "180.01")
    assert code != 0 and "högre än 180,00 kr" in err
    code, out, _ = run(capsys, any_db, "settings", "get", "dunning.demand_fee_cap")
    assert code == 0 and out.strip() == "180.00", "the refused value was not stored"


def test_unlawful_level_configurations_are_refused_with_the_reason(levels: list[DunningLevel]) -> None:
    two_fees = [REMINDER, DEMAND, DunningLevel(3, "Krav 2", 12, 18000, 10, "x", True, "collection_demand")]
    with pytest.raises(DunningError, match=r"Inkassoavgift på flera nivåer \(2, 3\)"):
        dunning_levels.save_levels(two_fees)
    free_with_fee = DunningLevel(2, "Krav", 12, 5000, 10, "x", True, "reminder_no_fee")
    with pytest.raises(DunningError, match="får inte ta ut någon avgift"):
        dunning_levels.save_levels([REMINDER, free_with_fee])
    second_reminder_fee = DunningLevel(2, "Påminnelse 2", 12, 6000, 10, "x", True, "reminder")
    demand_third = DunningLevel(3, "Inkassokrav", 12, 18000, 10, "x", True, "collection_demand")
    with pytest.raises(DunningError, match="Påminnelseavgift på flera nivåer"):
        dunning_levels.save_levels([REMINDER, second_reminder_fee, demand_third])
    with pytest.raises(DunningError, match="okänd platshållare {rantan}"):
        dunning_levels.save_levels([REMINDER, DunningLevel(2, "K", 12, 0, 10, "{rantan}", True, "collection_demand")])
    assert dunning_levels.get_levels() == [REMINDER, DEMAND], "nothing changed"


def test_the_cli_level_file_refuses_a_fee_above_the_ceiling(sqlite_url: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "levels.json"
    path.write_text(json.dumps({"levels": [
        {"level": 1, "name": "Påminnelse", "kind": "reminder", "days": 10, "fee": "100.00", "deadline_days": 10},
        {"level": 2, "name": "Krav", "kind": "inkassokrav", "days": 10, "fee": "180.00", "deadline_days": 10}]}))
    code, _, err = run(capsys, sqlite_url, "dunning-levels", "set", str(path))
    assert code != 0 and "påminnelseavgiften 100,00 kr är högre än 60,00 kr" in err
    assert DunningLevelConfig.select().count() == 0
    code, out, _ = run(capsys, sqlite_url, "dunning-levels", "defaults")
    assert code == 0 and "Inkassokrav" in out
    assert [(r.level, r.kind, r.fee) for r in DunningLevelConfig.select().order_by(DunningLevelConfig.level)] == [
        (1, "reminder", 6000), (2, "collection_demand", 18000)]


def test_an_unlawful_stored_configuration_stops_every_run_and_is_not_rewritten(levels: list[DunningLevel],
                                                                               tmp_path: Path) -> None:
    """What migration 5 gives a ledger whose levels charged the demand fee twice: the kinds are
    read as before and the run refuses with the law's reason; nothing is changed for staff."""
    DunningLevelConfig.create(level=3, name="Krav 2", days=12, fee=18000, deadline_days=10, kind="collection_demand")
    _invoice("9001")
    preview = dunning_candidates.preview_run(dt.date(2026, 6, 12))
    assert preview.rows == [] and any("Inkassoavgift på flera nivåer (2, 3)" in p for p in preview.problems)
    with pytest.raises(DunningError, match="inget ändras av sig självt") as refused:
        dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path)
    assert "högst en gång per fordran" in str(refused.value)
    assert DunningLevelConfig.get(DunningLevelConfig.level == 3).fee == 18000, "not silently rewritten"


def test_a_second_collection_fee_on_one_claim_is_impossible(levels: list[DunningLevel], tmp_path: Path) -> None:
    inv = _invoice("9001")
    dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path)
    dunning_run.run_dunning(dt.date(2026, 6, 24), out_dir=tmp_path)
    assert [(n.level, n.fee) for n in DunningNotice.select().order_by(DunningNotice.level)] == [(1, 6000), (2, 18000)]
    # Staff reconfigure: the inkassokrav moves to a new level 3 and level 2 becomes a reminder
    # without fee. The invoice already carries its collection fee: level 3 charges none.
    dunning_levels.save_levels([REMINDER, DunningLevel(2, "Sista påminnelse", 12, 0, 10, "x", True, "reminder_no_fee"),
                                DunningLevel(3, "Inkassokrav", 12, 18000, 10, DEMAND.letter_text, True,
                                             "collection_demand")])
    result = dunning_run.run_dunning(dt.date(2026, 7, 10), out_dir=tmp_path)
    assert [(n.level, n.fee) for n in result.notices] == [(3, 0)]
    fees = InvoiceCharge.select(InvoiceCharge.kind, pw.fn.COUNT(InvoiceCharge.id)).where(
        InvoiceCharge.invoice == inv.id, InvoiceCharge.kind != "interest").group_by(InvoiceCharge.kind).tuples()
    assert dict(fees) == {"reminder_fee": 1, "collection_fee": 1}


def test_a_reminder_fee_only_where_the_contract_allows_it(levels: list[DunningLevel], tmp_path: Path) -> None:
    _invoice("9001", fee_allowed=False)
    _invoice("9002", customer="K1002")
    result = dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path)
    assert {n.invoice_number: n.fee for n in result.notices} == {"9001": 0, "9002": 6000}


# --- letters that meet the law -------------------------------------------------------------------


def test_a_collection_demand_holds_every_part_the_law_asks_for(levels: list[DunningLevel], tmp_path: Path) -> None:
    _invoice("9001")
    dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path)
    result = dunning_run.run_dunning(dt.date(2026, 12, 21), out_dir=tmp_path)
    [notice] = result.notices
    letter = LetterData.from_json(DunningNotice.get_by_id(notice.notice_id).letter)
    text = " ".join(render_letter_text(letter).split())
    assert letter.level_kind == "collection_demand"
    assert "Kapitalbelopp 8 450,00 kr" in text.replace("\u00a0", " ")
    assert "Dröjsmålsränta 2026-06-02 t.o.m. 2026-12-21" in text, "the day interest runs from"
    assert "10,00 % 2026-06-02 - 2026-12-21 på 8 450,00 kr" in text.replace("\u00a0", " "), "rate as a figure"
    assert "Inkassoavgift 180,00 kr" in text.replace("\u00a0", " ") and "Tidigare avgifter 60,00 kr" in \
        text.replace("\u00a0", " ")
    assert "Att betala" in text and letter.total_ore == notice.total
    # 21 December: Christmas; 8 days would be 29 December, four bank days. The deadline moves on.
    assert letter.payment_deadline == dt.date(2027, 1, 7) and "Betalas senast 2027-01-07" in text
    assert "Om du anser att kravet är felaktigt ska du meddela oss det senast 2027-01-07" in text
    assert "Bostads AB Exempel" in text and "telefon 08-123 456" in text
    assert "Vi kräver dig på" in text and "Räntan är 10,00 % från 2026-06-02." in text, "placeholders filled"
    assert "{" not in text


def test_a_reminder_says_the_date_to_pay_by(levels: list[DunningLevel], tmp_path: Path) -> None:
    _invoice("9001")
    [notice] = dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path).notices
    text = " ".join(dunning_reprint.preview_text(notice.notice_id).replace("\u00a0", " ").split())
    total = format_sek(notice.total).replace("\u00a0", " ")
    assert f"Betala {total} kr senast {notice.deadline.isoformat()}." in text
    assert f"Betalas senast {notice.deadline.isoformat()}" in text


def test_a_letter_missing_a_required_part_is_not_issued(levels: list[DunningLevel], tmp_path: Path) -> None:
    inv = _invoice("9001")
    from tui_inkasso.db.models import Owner

    Owner.update(phone="", email="", address="", postal_code="", city="").where(Owner.id == inv.owner_id).execute()
    unreachable = "Ägaren BAB .* saknar telefon, e-post och adress; breven kan inte säga hur borgenären nås"
    preview = dunning_candidates.preview_run(dt.date(2026, 6, 12))
    assert [r.invoice_number for r in preview.rows] == ["9001"], "the dry run says what the run refuses"
    assert len(preview.problems) == 1 and re.match(unreachable, preview.problems[0])
    with pytest.raises(DunningError, match=unreachable):
        dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path)
    assert DunningNotice.select().count() == 0
    assert "lägg in dem under Inställningar, Ägare och konton" in preview.problems[0]
    # Each letter is checked too: one to a debtor without a name is refused naming the invoice.
    from tui_inkasso.services import owner_accounts

    owner_accounts.save_owner_accounts(inv.owner_id, {"phone": "08-123 456"})  # as the owners' form does
    Customer.update(name="").where(Customer.id == inv.customer_id).execute()
    with pytest.raises(DunningError, match="Faktura 9001 \\(Påminnelse\\): gäldenärens namn saknas"):
        dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path)
    assert DunningNotice.select().count() == 0


@pytest.mark.parametrize(("sfi", "kind", "sentence"), [
    ("bostad", "rent", "mer än en vecka efter förfallodagen"),
    ("ovriga", "rent", "mer än två vardagar efter förfallodagen"),
    ("parkering", "rent", None),
    ("garage", "rent", None),
    ("lager", "rent", None),
    ("bostad", "direct", None),
])
def test_the_rent_sentence_only_on_dwellings_and_premises(sqlite_url: str, tmp_path: Path, sfi: str, kind: str,
                                                         sentence: str | None) -> None:
    store_rates()
    dunning_levels.save_levels([REMINDER, DEMAND])
    _invoice("9001", sfi=sfi, kind=kind)
    [notice] = dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path).notices
    text = " ".join(dunning_reprint.preview_text(notice.notice_id).split())
    if sentence is None:
        assert "jordabalken" not in text
    else:
        assert sentence in text and "12 kap. 42 § första stycket" in text and "12 kap. 43 §" in text
        assert "kan hyresrätten vara förverkad" not in text, "the old, imprecise sentence is gone"


def test_a_garage_gets_the_sentence_when_configured(sqlite_url: str, tmp_path: Path) -> None:
    store_rates()
    dunning_levels.save_levels([REMINDER, DEMAND])
    set_setting("dunning.rent_notice", "bostad=bostad, ovriga=lokal, garage=lokal")
    with pytest.raises(SettingError, match="kan inte vara en bostadslägenhet"):
        set_setting("dunning.rent_notice", "garage=bostad")
    _invoice("9001", sfi="garage")
    [notice] = dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path).notices
    assert "mer än två vardagar" in " ".join(dunning_reprint.preview_text(notice.notice_id).split())


# --- the reference rate --------------------------------------------------------------------------


def test_a_run_needing_a_missing_half_year_is_refused_naming_it(any_db: str, tmp_path: Path) -> None:
    dunning_levels.save_levels([REMINDER, DEMAND])  # the shipped table ends with 2026-01-01
    _invoice("9001")
    preview = dunning_candidates.preview_run(dt.date(2026, 7, 2))
    assert preview.rows == [] and "Referensräntan saknas för halvåret 2026-07-01–2026-12-31" in preview.problems[0]
    with pytest.raises(DunningError, match="halvåret 2026-07-01–2026-12-31: lägg in den under Inställningar"):
        dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path)
    assert DunningNotice.select().count() == 0
    # June needs only the first half of 2026: it runs.
    assert len(dunning_run.run_dunning(dt.date(2026, 6, 12), out_dir=tmp_path).notices) == 1
    dunning_levels.save_reference_rates([*default_reference_rates(), ReferenceRate(dt.date(2026, 7, 1), 175)])
    assert [n.level for n in dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "juli").notices] == [2]


def test_a_collection_file_needing_a_missing_half_year_is_refused_naming_it(ledger: CollectionLedger) -> None:
    """The agency file claims interest to the handover day: without 2026-07-01's rate nobody can
    state it, so the run is refused, names the half year and creates no case."""
    ReferenceRateRow.delete().where(ReferenceRateRow.valid_from == dt.date(2026, 7, 1)).execute()
    cases = CollectionCase.select().count()
    with pytest.raises(CollectionError, match="Referensräntan saknas för halvåret 2026-07-01–2026-12-31"):
        collection_run.create_cases(COLLECTION_DAY, None, ledger.ready_ids(), "intrum")
    assert CollectionCase.select().count() == cases
