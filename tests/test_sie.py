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
    assert "#IB" not in sie.labels and "#UB" not in sie.labels and "#RES" not in sie.labels, "4I: no balances"
    assert sie.accounts == {"1510": "Kundfordringar", "1930": "Bank", "2420": "Förskott från kunder",
                            "2421": "Överskjutande betalning inkasso"}
    used = {account for _, rows in sie.vouchers for account, _ in rows}
    assert used == set(sie.accounts)
    for head, rows in sie.vouchers:
        assert sum(amount for _, amount in rows) == 0, f"voucher {head} balances"
        assert head[0] == "I" and re.fullmatch(r"\d{8}", head[2])
    texts = [head[3] for head, _ in sie.vouchers]
    assert texts[0] == "Inbetalning 100234" and texts[-1] == 'Rättelse "hyra" 5?'
    assert "oktober" not in texts, "only vouchers in the period"
    assert dict(sie.vouchers[0][1]) == {"1930": 900000, "1510": -845000, "2421": -55000}
    assert written.vouchers == len(sie.vouchers) == 3 and written.replaced == {"€": "?"}
    with pytest.raises(OSError, match=re.escape(f"{target}: filen finns redan")):
        export_sie(target, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30), owner_code="BAB")


def test_one_file_per_owner_in_a_folder(booked: Path) -> None:
    folder = booked / "sie"
    result = export_sie(folder, from_date=dt.date(2026, 9, 1), to_date=dt.date(2026, 9, 30))
    assert [(f.owner_code, f.path.name) for f in result.files] == [
        ("BAB", "BAB_20260901_20260930.si"), ("FAB", "FAB_20260901_20260930.si")
    ]
    fab = read_sie((folder / "FAB_20260901_20260930.si").read_bytes())
    assert fab.labels["#ORGNR"] == [["559012-3450"]]
    assert [dict(rows) for _, rows in fab.vouchers] == [{"1930": 100000, "1510": -90000, "2420": -10000}]
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
