"""SIE 4I export: the file is read back with a small reader written here (CP437, CRLF, quoted
fields), every voucher balances, åäö survive, the header is what the standard asks; one file per
owner; the CLI. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SHARED_DOCS
from tests.payment_files import AGENCY, bgmax_payment, write_bgmax_file
from tests.staff import approve_pending
from tui_inkasso.cli import main
from tui_inkasso.db.models import Invoice, Owner, Voucher, VoucherRow
from tui_inkasso.domain.money import format_amount
from tui_inkasso.formats.sie import (
    SieError,
    SieHeader,
    SieTransaction,
    SieVoucher,
    encode_pc8,
    quote,
    write_sie,
)
from tui_inkasso.services.ledger_import import import_ledger
from tui_inkasso.services.payment_import import import_payment_file
from tui_inkasso.services.sie_export import SieExportError, export_sie

_TOKEN = re.compile(r'"((?:\\.|[^"\\])*)"|(\{\})|(\S+)')


@dataclass
class SieFile:
    """What the test reader found: header labels, accounts and vouchers with their rows."""

    labels: dict[str, list[list[str]]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    vouchers: list[tuple[list[str], list[tuple[str, int]]]] = field(default_factory=list)


def _fields(line: str) -> list[str]:
    out = []
    for quoted, braces, bare in _TOKEN.findall(line):
        if braces:
            out.append("{}")
        elif bare:
            out.append(bare)
        else:
            out.append(re.sub(r"\\(.)", r"\1", quoted))
    return out


def _ore(text: str) -> int:
    match = re.fullmatch(r"(-?)(\d+)\.(\d\d)", text)
    assert match, f"not a SIE amount with two decimals: {text!r}"
    value = int(match[2]) * 100 + int(match[3])
    return -value if match[1] else value


def read_sie(data: bytes) -> SieFile:
    """Parse a SIE 4I file strictly enough to catch what a receiving program would refuse."""
    text = data.decode("cp437")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF line ends only"
    result = SieFile()
    lines = text.split("\r\n")[:-1]
    index = 0
    while index < len(lines):
        fields_ = _fields(lines[index])
        label = fields_[0]
        if label == "#VER":
            assert lines[index + 1] == "{", "a #VER is followed by {"
            rows = []
            index += 2
            while lines[index] != "}":
                row = _fields(lines[index])
                assert row[0] == "#TRANS" and row[2] == "{}", lines[index]
                rows.append((row[1], _ore(row[3])))
                index += 1
            result.vouchers.append((fields_[1:], rows))
        elif label == "#KONTO":
            result.accounts[fields_[1]] = fields_[2]
        else:
            result.labels.setdefault(label, []).append(fields_[1:])
        index += 1
    return result


# ------------------------------------------------------------------------------ the format


def test_fields_amounts_and_pc8() -> None:
    assert quote('Hyra "garage" C:\\x') == '"Hyra \\"garage\\" C:\\\\x"'
    assert quote("rad\tett\nrad två") == '"rad ett rad två"'
    # SIE amounts are format_amount's form: point, two decimals, minus for credit
    assert (format_amount(123450), format_amount(-5), format_amount(0)) == ("1234.50", "-0.05", "0.00")
    replaced: dict[str, str] = {}
    data = encode_pc8("Åsa Öberg ärvde é, 5€ och Łódź, Dvořák", replaced)
    assert data.decode("cp437") == "Åsa Öberg ärvde é, 5? och ?ódz, Dvorák"
    assert replaced == {"€": "?", "Ł": "?", "ź": "z", "ř": "r"}


def test_unbalanced_voucher_is_refused() -> None:
    header = SieHeader("tui-inkasso", "0.1.0", dt.date(2026, 11, 28), "testare", "556677-8899", "AB", ())
    voucher = SieVoucher("I", 7, dt.date(2026, 9, 25), "x", (SieTransaction("1930", 100), SieTransaction("1510", -99)))
    with pytest.raises(SieError, match="verifikation I7 .* balanserar inte: differens 0.01"):
        write_sie(io.BytesIO(), header, [voucher])


# ------------------------------------------------------------------------------ the export


@pytest.fixture
def booked(any_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example ledger with a payment file booked: vouchers for BAB and FAB in September."""
    monkeypatch.setenv("TUI_INKASSO_TODAY", "2026-11-28")
    import_ledger(SHARED_DOCS / "ledger-import-example.json")
    approve_pending()  # the example's agency bankgiro: proposed by the import, approved here
    ocr = {i.number: i.ocr for i in Invoice.select()}
    import_payment_file(write_bgmax_file(tmp_path, "bg.txt", [
        bgmax_payment(900000, ocr["100234"], sender=AGENCY),
        bgmax_payment(100000, ocr["200002"], sender=AGENCY, receiving="1234566", deposit="00002"),
        bgmax_payment(5000, "okänd", deposit="00003"),
    ]))
    owner = Owner.get(Owner.code == "BAB")
    Owner.update(name="Bostäder i Åre & Öckerö AB").where(Owner.id == owner.id).execute()
    voucher = Voucher.create(owner=owner, number=99, date=dt.date(2026, 9, 30), text='Rättelse "hyra" 5€',
                             source="manual", created_at=dt.datetime(2026, 9, 30, 12))
    VoucherRow.insert_many([{"voucher": voucher.id, "account": "1930", "amount": 1},
                            {"voucher": voucher.id, "account": "2420", "amount": -1}]).execute()
    outside = Voucher.create(owner=owner, number=100, date=dt.date(2026, 10, 1), text="oktober", source="manual",
                             created_at=dt.datetime(2026, 10, 1, 12))
    VoucherRow.insert_many([{"voucher": outside.id, "account": "1930", "amount": 7},
                            {"voucher": outside.id, "account": "2420", "amount": -7}]).execute()
    return tmp_path


def test_export_for_one_owner_reads_back(booked: Path) -> None:
    target = booked / "bab.si"
    result = export_sie(target, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30), owner_code="BAB")
    [written] = result.files
    sie = read_sie(target.read_bytes())
    assert sie.labels["#FLAGGA"] == [["0"]]
    assert sie.labels["#PROGRAM"] == [["tui-inkasso", "0.1.0"]]
    assert sie.labels["#FORMAT"] == [["PC8"]] and sie.labels["#SIETYP"] == [["4"]]
    assert sie.labels["#GEN"] == [["20261128", "testare"]]
    assert sie.labels["#ORGNR"] == [["556677-8899"]]
    assert sie.labels["#FNAMN"] == [["Bostäder i Åre & Öckerö AB"]], "åäö survive CP437"
    assert sie.labels["#KPTYP"] == [["EUBAS97"]]
    assert "#IB" not in sie.labels and "#UB" not in sie.labels and "#RES" not in sie.labels, "4I: no balances"
    assert {"1510", "1930", "2421"} <= set(sie.accounts) and sie.accounts["1510"] == "Kundfordringar"
    used = {account for _, rows in sie.vouchers for account, _ in rows}
    assert used == set(sie.accounts)
    for head, rows in sie.vouchers:
        assert sum(amount for _, amount in rows) == 0, f"voucher {head} balances"
        assert head[0] == "I" and re.fullmatch(r"\d{8}", head[2])
    texts = [head[3] for head, _ in sie.vouchers]
    assert texts[0] == "Inbetalning 100234" and texts[-1] == 'Rättelse "hyra" 5?'
    assert "oktober" not in texts, "only vouchers in the period"
    first = dict(sie.vouchers[0][1])
    assert first["1930"] == 900000 and sum(first.values()) == 0
    assert written.vouchers == len(sie.vouchers) == 3 and written.replaced == {"€": "?"}
    with pytest.raises(SieExportError, match="redan exporterade.*--again"):
        export_sie(booked / "igen.si", from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30),
                   owner_code="BAB")
    with pytest.raises(OSError, match=re.escape(f"{target}: filen finns redan")):
        export_sie(target, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30), owner_code="BAB",
                   again=True)


def test_one_file_per_owner_in_a_folder(booked: Path) -> None:
    folder = booked / "sie"
    result = export_sie(folder, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30))
    assert [(f.owner_code, f.path.name) for f in result.files] == [
        ("BAB", "BAB_20260901_20260930.si"), ("FAB", "FAB_20260901_20260930.si")
    ]
    fab = read_sie((folder / "FAB_20260901_20260930.si").read_bytes())
    assert fab.labels["#ORGNR"] == [["559012-3450"]]
    [(_, rows)] = fab.vouchers
    assert dict(rows)["1930"] == 100000 and dict(rows)["1510"] == -90000 and sum(dict(rows).values()) == 0
    with pytest.raises(SieExportError, match="är en mapp"):
        export_sie(folder, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30), owner_code="FAB")
    with pytest.raises(SieExportError, match="ligger före"):
        export_sie(folder, from_date=dt.date(2026, 9, 30), to_date=dt.date(2026, 9, 1))


def test_cli_sie_export(booked: Path, any_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    target = booked / "bab.si"
    code = main(["--db", any_db, "sie-export", "--from", "2026-09-01", "--to", "2026-09-30", "--owner", "BAB",
                 "--json", str(target)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["vouchers"] == 3 and data["files"][0]["replaced_characters"] == {"€": "?"}
    code = main(["--db", any_db, "sie-export", "--from", "2026-09-01", "--to", "2026-09-30", "--owner", "XYZ",
                 str(booked / "x.si")])
    assert code == 2 and "ägare 'XYZ' finns inte (finns: BAB, FAB)" in capsys.readouterr().err
    code = main(["--db", any_db, "sie-export", "--from", "2025-01-01", "--to", "2025-01-31", str(booked / "tom")])
    assert code == 1 and "inga verifikationer" in capsys.readouterr().err


def _voucher(owner: Owner, number: int, day: dt.date, created: dt.datetime, amount: int = 100) -> Voucher:
    voucher = Voucher.create(owner=owner, number=number, date=day, text=f"Verifikation {number}", source="manual",
                             created_at=created)
    VoucherRow.insert_many([{"voucher": voucher.id, "account": "1930", "amount": amount},
                            {"voucher": voucher.id, "account": "1510", "amount": -amount}]).execute()
    return voucher


def test_two_exports_around_a_late_voucher_carry_every_voucher_once(any_db: str, tmp_path: Path) -> None:
    """A bank file dated 3 December imported after the export of 1-4 December: its voucher goes
    into the next export, and no voucher is in two files (issue 13 item 8)."""
    owner = Owner.create(code="BAB", name="Bostads AB", org_no="556677-8899")
    _voucher(owner, 1, dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 9))
    _voucher(owner, 2, dt.date(2026, 12, 4), dt.datetime(2026, 12, 4, 9))
    first = export_sie(tmp_path / "sie", from_date=dt.date(2026, 12, 1), to_date=dt.date(2026, 12, 4))
    late = _voucher(owner, 3, dt.date(2026, 12, 3), dt.datetime(2026, 12, 6, 9))  # booked after the export
    _voucher(owner, 4, dt.date(2026, 12, 7), dt.datetime(2026, 12, 7, 9))
    second = export_sie(tmp_path / "sie")  # everything not yet exported
    numbers = [[int(head[1]) for head, _ in read_sie(f.path.read_bytes()).vouchers]
               for f in (*first.files, *second.files)]
    assert numbers == [[1, 2], [3, 4]]
    assert sorted(n for file in numbers for n in file) == [1, 2, 3, 4], "every voucher exactly once"
    assert Voucher.get_by_id(late.id).sie_export.path == str(second.files[0].path)
    assert [f.path.name for f in second.files] == ["BAB_20261203_20261207.si"]
    assert Voucher.select().where(Voucher.sie_export.is_null()).count() == 0
    # The same period again: nothing new, refused naming the earlier export; --again copies it.
    with pytest.raises(SieExportError, match="alla 3 verifikationer 2026-12-01–2026-12-04 är redan exporterade"):
        export_sie(tmp_path / "sie", from_date=dt.date(2026, 12, 1), to_date=dt.date(2026, 12, 4))
    copy = export_sie(tmp_path / "kopia", from_date=dt.date(2026, 12, 1), to_date=dt.date(2026, 12, 4), again=True)
    assert [int(h[1]) for h, _ in read_sie(copy.files[0].path.read_bytes()).vouchers] == [1, 3, 2]
    assert copy.again and Voucher.get_by_id(late.id).sie_export.path == str(second.files[0].path), \
        "a copy leaves each voucher with its first export"
    # A period part exported: only the new vouchers, and the result says how many were left out.
    _voucher(owner, 5, dt.date(2026, 12, 2), dt.datetime(2026, 12, 8, 9))
    third = export_sie(tmp_path / "sie", from_date=dt.date(2026, 12, 1), to_date=dt.date(2026, 12, 4))
    assert third.vouchers == 1 and third.skipped == 3 and "3 verifikationer" in third.warnings[0]
    assert third.files[0].path.name == "BAB_20261201_20261204-2.si", "an earlier file is never overwritten"


def test_an_old_export_in_the_audit_log_marks_its_vouchers_when_migrating(tmp_path: Path) -> None:
    """Version 5 rebuilds the exports an older version made from the audit log, so the first
    export after the upgrade takes only what no file carried (db/migration_v5.py)."""
    from tui_inkasso.db.migration_v5 import _parse

    assert _parse('{"text": "2026-12-01–2026-12-04: BAB 5 verifikationer, FAB 2 verifikationer"}') == (
        dt.date(2026, 12, 1), dt.date(2026, 12, 4), ["BAB", "FAB"])
    assert _parse("något annat") is None
