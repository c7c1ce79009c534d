"""Creating cases on SQLite and PostgreSQL: per system (in-house register, Intrum fixed width, Svea
separated, Excel), debt types by SFI category, one transaction, invoices taken meanwhile."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.collection_data import (
    DAY,
    READY,
    SFI_OF,
    CollectionLedger,
    ledger,
    marked,
)
from tui_inkasso.db.models import (
    AuditEntry,
    CaseEvent,
    CaseInvoice,
    CollectionCase,
    CollectionFile,
    Invoice,
)
from tui_inkasso.formats.layout import load_layout
from tui_inkasso.services import (
    collection_candidates,
    collection_errors,
    collection_exclusion,
    collection_run,
    settings,
)
from tui_inkasso.services.collection_recovery import PENDING_DIR
from tui_inkasso.services.selection import Selection

INTRUM = {"bostad": "17", "ovriga": "18", "parkering": "19", "lager": "20", "garage": "30", "ej_vald": "99"}
SVEA = {"bostad": "BO", "ovriga": "LO", "parkering": "PA", "lager": "LO", "garage": "LO", "ej_vald": "LO"}


__all__ = ["ledger"]  # the fixture, imported for pytest


# --------------------------------------------------------------------------- creating cases


def test_inhouse_cases_one_per_customer_and_owner_in_the_register(ledger: CollectionLedger) -> None:
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "inhouse")
    assert result.files == [] and result.system == "inhouse"
    assert [c.number for c in result.cases] == [f"IK-2026-{n:06d}" for n in range(2, 7)], \
        "the sequence goes on after the case already there"
    pairs = [(c.owner_code, c.customer_number, [x.number for x in c.claims]) for c in result.cases]
    assert pairs == [("BAB", "K1001", ["3001", "3002", "3007"]), ("BAB", "K1002", ["3003"]),
                     ("BAB", "K2001", ["3004"]), ("FAB", "K1002", ["3006"]), ("FAB", "K2001", ["3005"])]
    anna = CollectionCase.get(CollectionCase.number == "IK-2026-000002")
    assert (anna.system, anna.status, anna.file, anna.created_by) == ("inhouse", "registrerat", None, "testare")
    links = {ci.invoice.number: ci for ci in CaseInvoice.select().where(CaseInvoice.case == anna.id)}
    assert links["3007"].balance == 545_000 and links["3001"].fees == 24_000
    assert {n: links[n].debt_type for n in links} == {"3001": "bostad", "3002": "parkering", "3007": "bostad"}
    assert anna.capital == 845_000 + 95_000 + 545_000
    assert anna.interest == sum(ci.interest for ci in links.values()) > 0
    for number in READY:
        case = marked(number)
        assert case is not None and Invoice.get(Invoice.number == number).collection_marked_at is not None
    (event,) = CaseEvent.select().where(CaseEvent.case == anna.id)
    assert event.kind == "created" and event.text.startswith("Ärende registrerat (eget ärenderegister): 3 fakturor")
    assert AuditEntry.select().where(AuditEntry.action == "case.created").count() == 5
    assert collection_candidates.collection_candidates(DAY).ready.count() == 0
    shown = {x.number: x.debt_type for c in result.cases for x in c.claims}
    assert shown["3004"] == "Övriga (lokaler)" and shown["3006"] == "Ej vald"


def test_the_mark_changes_only_case_time_and_interest_of_the_invoices_it_takes(ledger: CollectionLedger) -> None:
    """The marking UPDATE names more columns than it changes on PostgreSQL (customer, contract and
    rental object assigned to themselves, for the indexes' sake): every invoice keeps them, and an
    invoice not taken keeps everything."""
    changed = {"collection_case", "collection_marked_at", "interest", "interest_to"}

    def rows() -> dict[int, dict[str, object]]:
        return {row["id"]: row for row in Invoice.select().dicts()}

    before = rows()
    taken = set(ledger.ready_ids())
    collection_run.create_cases(DAY, None, sorted(taken), "inhouse")
    after = rows()
    assert after.keys() == before.keys()
    for invoice_id, row in after.items():
        kept = {k: v for k, v in row.items() if invoice_id not in taken or k not in changed}
        assert kept == {k: before[invoice_id][k] for k in kept}, invoice_id
        if invoice_id in taken:
            assert row["collection_case"] is not None and row["collection_marked_at"] is not None


def test_an_invoice_excluded_after_the_read_is_named_by_the_mark_and_nothing_is_written(
        ledger: CollectionLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mark's guard (no case, no exclusion) and its row count, checked after the writer's
    thread ran it: the invoice is named, the transaction rolls back, no staged file is left."""
    real = collection_run.read_claimed

    def read_then_excluded(*args, **kwargs):  # type: ignore[no-untyped-def]
        claimed = real(*args, **kwargs)
        Invoice.update(excluded_at=Invoice.select().get().invoice_date, excluded_by="kollega",
                       excluded_reason="Tvist").where(Invoice.id == ledger.id("3004")).execute()
        return claimed

    monkeypatch.setattr(collection_run, "read_claimed", read_then_excluded)
    cases, events = CollectionCase.select().count(), CaseEvent.select().count()
    with pytest.raises(collection_errors.InvoicesTaken) as caught:
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum")
    assert {t.number: t.reason for t in caught.value.invoices} == {"3004": "undantagen av kollega"}
    assert (CollectionCase.select().count(), CaseEvent.select().count()) == (cases, events)
    assert CollectionFile.select().count() == 0 and marked("3001") is None
    assert Invoice.get_by_id(ledger.id("3004")).excluded_at is None, "the exclusion rolled back too"
    folder = settings.get_setting("collection.output_dir")
    assert not any(p.is_file() for p in Path(folder).rglob("*")), "no file, staged or published"


def _intrum_fields(layout_name: str, line: str, level: str) -> dict[str, str]:
    layout = load_layout(layout_name)
    record = layout.records[level][0]
    return {f.name: line[f.start - 1 : f.start - 1 + f.width].strip() for f in record.fields if f.width}


def test_intrum_files_are_fixed_width_one_per_owner_with_debt_types_by_sfi(ledger: CollectionLedger,
                                                                           tmp_path: Path) -> None:
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum")
    assert len(result.files) == 2 and all(f.parent == tmp_path / "ut" for f in result.files)
    assert not (tmp_path / "ut" / PENDING_DIR).exists(), "no staging folder left behind"
    seen: dict[str, str] = {}
    for path in result.files:
        text = path.read_bytes().decode("iso-8859-1")
        lines = text.split("\r\n")[:-1]
        assert all(len(line) == 250 for line in lines)
        assert lines[0].startswith("00") and lines[-1].startswith("99")
        header = _intrum_fields("intrum", lines[0], "header")
        record = CollectionFile.get(CollectionFile.path == str(path))
        assert header["file_id"] == record.file_id
        assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        for line in lines:
            if line.startswith("20"):
                claim = _intrum_fields("intrum", line, "claim")
                seen[claim["invoice_number"]] = claim["debt_type"]
                if claim["invoice_number"] == "3007":
                    assert int(claim["capital"]) == 545_000 and int(claim["fees"]) == 24_000
    assert seen == {n: INTRUM[SFI_OF[n]] for n in READY}
    assert {c.owner_code: c.file for c in result.cases}["FAB"].name.startswith("INTRUM_5567037485_")
    stored = {ci.invoice.number: ci.debt_type for ci in CaseInvoice.select().join(Invoice)
              .where(Invoice.number.in_(READY))}
    assert stored == seen
    assert CollectionCase.get(CollectionCase.number == "INT-2026-000001").file.path == str(result.files[0])


def test_svea_file_is_separated_with_svea_debt_types(ledger: CollectionLedger) -> None:
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "svea")
    debt_types: dict[str, str] = {}
    for path in result.files:
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline=""), delimiter=";"))
        assert rows[0][0] == "H" and rows[-1][0] == "T"
        for row in rows:
            if row[0] == "F":
                debt_types[row[2]] = row[10]
                if row[2] == "3004":
                    assert row[7] == "12500,00"
    assert debt_types == {n: SVEA[SFI_OF[n]] for n in READY}
    assert {c.number[:5] for c in result.cases} == {"SVEA-"}


def test_excel_sheet_at_the_chosen_path_and_the_cases_recorded(ledger: CollectionLedger, tmp_path: Path) -> None:
    target = tmp_path / "mina" / "inkasso-november"
    target.parent.mkdir()
    result = collection_run.create_cases(DAY, None, ledger.ready_ids(), "none", out=target)
    assert result.files == [target.with_name("inkasso-november.xlsx")]
    sheet = load_workbook(result.files[0]).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Ärende", "Borgenär", "Kundnr") and len(rows) == 8
    by_invoice = {r[6]: r for r in rows[1:]}
    assert by_invoice["3004"][15] == "Övriga (lokaler)" and by_invoice["3007"][11] == 5450
    assert all(marked(n) is not None and marked(n).system == "none" for n in READY)
    assert CollectionFile.get().system == "none"
    with pytest.raises(collection_errors.InvoicesTaken):
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "none", out=tmp_path)


def test_an_unwritable_output_folder_records_nothing(ledger: CollectionLedger, tmp_path: Path) -> None:
    blocker = tmp_path / "en-fil"
    settings.set_setting("collection.output_dir", str(blocker / "ut"))  # a folder that can be made when set...
    shutil.rmtree(blocker, ignore_errors=True)
    blocker.write_text("inte en mapp")  # ...and below a file by the run
    with pytest.raises(collection_errors.CollectionError, match=r"inkassofiler .*en-fil/ut kan inte skapas.*inget har registrerats"):
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum")
    settings.set_setting("collection.output_dir", str(tmp_path / "ut"))
    readonly = tmp_path / "ut"
    readonly.mkdir()
    (readonly / PENDING_DIR).write_text("a file where the staging folder goes")
    with pytest.raises(collection_errors.CollectionError, match=r"Inkassofilen kunde inte skrivas: .*Inget har registrerats"):
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "svea")
    with pytest.raises(collection_errors.CollectionError, match="mappen finns inte"):
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "none", out=tmp_path / "saknas" / "a.xlsx")
    assert CollectionCase.select().count() == 1 and CollectionFile.select().count() == 0
    assert all(marked(n) is None for n in READY)
    assert AuditEntry.select().where(AuditEntry.action.startswith("case")).count() == 0
    assert [p.name for p in readonly.iterdir()] == [PENDING_DIR]


def test_a_file_name_for_several_owners_agency_files_is_refused(ledger: CollectionLedger, tmp_path: Path) -> None:
    with pytest.raises(collection_errors.CollectionError, match="2 ägare .*ange en mapp"):
        collection_run.create_cases(DAY, None, ledger.ready_ids(), "intrum", out=tmp_path / "en.txt")
    one = collection_run.create_cases(DAY, Selection(owners=("FAB",)), [ledger.id("3005"), ledger.id("3006")],
                                  "intrum", out=tmp_path / "fab.txt")
    assert one.files == [tmp_path / "fab.txt"] and (tmp_path / "fab.txt").exists()


def test_invoices_taken_meanwhile_are_named_and_nothing_is_written(ledger: CollectionLedger) -> None:
    collection_run.create_cases(DAY, None, [ledger.id("3003")], "inhouse")
    collection_exclusion.exclude([ledger.id("3004")], "Konkurs")
    Invoice.update(balance=0).where(Invoice.id == ledger.id("3005")).execute()
    before = CollectionCase.select().count()
    with pytest.raises(collection_errors.InvoicesTaken) as caught:
        collection_run.create_cases(DAY, None, ledger.ready_ids() + [ledger.id("3009")], "intrum")
    reasons = {t.number: t.reason for t in caught.value.invoices}
    assert reasons == {"3003": "i ärende IK-2026-000002", "3004": "undantagen av testare", "3005": "betald",
                       "3009": "inte klar för inkasso i urvalet"}
    assert "3003 (i ärende IK-2026-000002)" in str(caught.value) and "Inget har skapats" in str(caught.value)
    assert CollectionCase.select().count() == before and CollectionFile.select().count() == 0
    assert marked("3001") is None
    with pytest.raises(collection_errors.InvoicesTaken, match="inte klar för inkasso i urvalet"):
        collection_run.create_cases(DAY, Selection(owners=("FAB",)), [ledger.id("3001")], "inhouse")
    with pytest.raises(collection_errors.CollectionError, match="övre listan är tom"):
        collection_run.create_cases(DAY, None, [], "inhouse")


def test_the_marks_values_text_takes_whole_numbers_and_iso_days_only() -> None:
    """PostgreSQL's mark writes its VALUES list itself (no driver quoting): anything but whole
    numbers and the run's ISO day is refused before it reaches the SQL."""
    assert collection_run._values_sql([(1, 2, 3, "2026-11-28"), (4, 5, 0, None)]) == \
        "(1,2,3,'2026-11-28'::date),(4,5,0,NULL::date)"
    with pytest.raises(ValueError):
        collection_run._values_sql([(1, "2); DROP TABLE invoice; --", 3, None)])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        collection_run._values_sql([(1, 2, 3, "2026-11-28'); DROP TABLE invoice; --")])
