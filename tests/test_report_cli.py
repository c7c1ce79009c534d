"""`tui-inkasso report aging|collection`: the --json shapes, the exports (opened with openpyxl and
read back from the PDF), and refusals in Swedish."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.common import pdf_pages, run, run_json, words
from tests.report_data import example_module, example_shared
from tui_inkasso.db.models import Customer

__all__ = ["example_module", "example_shared"]  # the fixtures, imported for pytest

TODAY = "2026-11-28"
AMOUNT_KEYS = ("total", "capital", "fees", "interest", "in_collection", "in_termination")


def test_report_aging_json_shape(example_shared: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, example_shared, "report", "aging", "--by", "object-type")
    assert data["date"] == TODAY and data["group_by"] == "object-type"
    assert data["buckets"] == ["not_due", "1-30", "31-60", "61-90", "91-180", "over_180"]
    assert data["totals"] == {"not_due": "0.00", "1-30": "0.00", "31-60": "8510.00", "61-90": "25360.00",
                              "91-180": "0.00", "over_180": "0.00"}
    assert data["total"] == "33870.00"
    first = data["groups"][0]
    assert set(first) >= {"key", "name", "totals", "total", *AMOUNT_KEYS, "invoices"}
    assert (first["key"], first["name"], first["total"]) == ("FRD", "Förråd", "1310.00")
    assert list(first["totals"]) == data["buckets"]
    for row in data["groups"]:
        assert all(isinstance(row[key], str) for key in AMOUNT_KEYS)
    dated = run_json(capsys, example_shared, "report", "aging", "--date", "2026-09-05", "--by", "owner",
                     "--buckets", "10,20", "--owner", "BAB")
    assert dated["buckets"] == ["not_due", "1-10", "11-20", "over_20"]
    assert (dated["total"], dated["totals"]["1-10"]) == ("28900.00", "28900.00")


def test_report_aging_writes_excel_and_pdf(example_shared: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    name = Customer.get(Customer.number == "K1002").name
    Customer.update(name="=HYPERLINK(\"http://x\")").where(Customer.number == "K1002").execute()
    try:
        data = run_json(capsys, example_shared, "report", "aging", "--xlsx", str(tmp_path / "aldrar"),
                        "--pdf", str(tmp_path))
        xlsx, pdf = Path(data["files"]["xlsx"]), Path(data["files"]["pdf"])
        assert xlsx == tmp_path / "aldrar.xlsx" and pdf.parent == tmp_path and pdf.suffix == ".pdf"
        book = openpyxl.load_workbook(xlsx)
        assert book.sheetnames == ["Per ägare", "Per fastighet", "Per objektstyp", "Per kund"]
        sheet = book["Per kund"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == f"Åldersanalys per {TODAY}"
        header = rows[4]
        assert header[:4] == ("Kund", "Namn", "Ej förfallet", "1–30") and "Totalt" in header
        body = {row[0]: row for row in rows[5:8]}
        assert set(body) == {"K1001", "K1002", "K2001"}
        total_column = header.index("Totalt")
        assert body["K1001"][total_column] == 18840  # kronor, a number
        company = sheet.cell(row=7, column=2)
        assert company.value == "=HYPERLINK(\"http://x\")" and company.data_type == "s" and company.quotePrefix
        totals = rows[8]
        letter = openpyxl.utils.get_column_letter(total_column + 1)
        assert totals[0] == "Totalt" and totals[total_column] == f"=SUM({letter}6:{letter}8)"
        assert sheet.cell(row=6, column=total_column + 1).number_format == "#,##0.00"
        text = words(" ".join(" ".join(page) for page in pdf_pages(pdf.read_bytes())))
        assert "Åldersanalys per 2026-11-28" in text and "EX1 Exempla 1:23" in text and "33 870,00" in text
        code, _out, err = run(capsys, example_shared, "report", "aging", "--xlsx", str(xlsx))
        assert code == 1 and "filen finns redan" in err
    finally:  # the ledger is shared by the module's tests
        Customer.update(name=name).where(Customer.number == "K1002").execute()


def test_report_collection_json_and_exports(example_shared: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = run_json(capsys, example_shared, "report", "collection", "--from", "2026-09-01", "--to", TODAY,
                    "--xlsx", str(tmp_path), "--pdf", str(tmp_path / "oversikt.pdf"))
    assert [m["month"] for m in data["months"]] == ["2026-09", "2026-10", "2026-11"]
    month = data["months"][0]
    assert set(month) >= {"month", "sent", "sent_count", "recovered_agency", "recovered_direct", "closed",
                          "open_in_collection"}
    assert month["sent"] == {"inhouse": "0.00", "intrum": "0.00", "svea": "0.00", "none": "0.00"}
    assert isinstance(month["sent_count"], int) and isinstance(month["closed"], int)
    assert isinstance(data["stalled_cases"], list)
    assert [e["level"] for e in data["letters"]] == [1, 2]
    book = openpyxl.load_workbook(data["files"]["xlsx"])
    assert book.sheetnames == ["Per månad", "Kravens effekt", "Ärenden per status", "Utan händelse"]
    rows = list(book["Per månad"].iter_rows(values_only=True))
    assert rows[3][0] == "Månad" and [r[0] for r in rows[4:7]] == ["2026-09", "2026-10", "2026-11"]
    assert rows[7][0] == "Totalt" and rows[7][1] == "=SUM(B5:B7)"
    assert rows[7][-1] is None  # the open amount is a balance, never summed
    assert Path(data["files"]["pdf"]).name == "oversikt.pdf"
    text = words(" ".join(" ".join(page) for page in pdf_pages(Path(data["files"]["pdf"]).read_bytes())))
    assert "Inkassoöversikt 2026-09-01" in text and "Kravens effekt" in text


def test_refusals_are_one_swedish_line(example_shared: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:  # argparse refuses it before the command runs
        run(capsys, example_shared, "report", "aging", "--buckets", "60,30")
    assert stopped.value.code == 2 and "gränserna ska öka: 30 kommer efter 60" in capsys.readouterr().err
    code, _out, err = run(capsys, example_shared, "report", "collection", "--from", "2026-11-01", "--to", "2026-10-01")
    assert code == 2 and "perioden börjar 2026-11-01, efter att den slutar 2026-10-01" in err
    code, _out, err = run(capsys, example_shared, "report", "aging", "--owner", "NOPE")
    assert code == 2 and "okänd ägare: NOPE" in err
