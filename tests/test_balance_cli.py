"""`tui-inkasso balance-file` and `balance-reports`: JSON, text, errors, and delivery through the
outbox to a real FTP server (pyftpdlib)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests.balance_helpers import file_payment_ids, invoice_for, make_case, pay, second_owner
from tests.common import run, run_json
from tests.servers import FtpServer, refused_port
from tests.staff import in_force
from tui_inkasso.db.models import BalanceReport, CollectionFile, OutboxFile, Owner
from tui_inkasso.services.settings import set_setting

ftp_server = fx.ftp_server


def _output_folder(tmp_path: Path) -> Path:
    """The folder the ledger's files go to (``collection.output_dir``), made for the test."""
    folder = tmp_path / "inkasso-filer"
    folder.mkdir()
    set_setting("collection.output_dir", str(folder))
    return folder


@pytest.fixture
def out(sqlite_url: str, tmp_path: Path) -> Path:
    return _output_folder(tmp_path)


@pytest.fixture
def corrections(out: Path) -> dict[str, int]:
    """A correction of 1 500,50 kr for BAB (rent) and one of 99,00 kr for FAB (direct)."""
    bab = invoice_for(amount=845000)
    fab = invoice_for(second_owner(), kind="direct", amount=50000, customer="K2001")
    make_case(bab)
    make_case(fab)
    return {"BAB": pay(bab, 150050), "FAB": pay(fab, 9900)}


def _ftp(server: FtpServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = fx.fresh_dir(server.root)
    in_force({"collection.upload_url": server.url(folder)})
    monkeypatch.setenv("TUI_INKASSO_UPLOAD_PASSWORD", server.password)
    return server.root / folder


def test_balance_file_json_one_file_per_owner(
    corrections: dict[str, int], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = run_json(capsys, sqlite_url, "balance-file")
    assert data["corrections"] == 2 and data["amount"] == "1599.50"
    assert [f["owner"] for f in data["files"]] == ["BAB", "FAB"]
    assert data["file"] == data["files"][0]["path"]
    assert [f["amount"] for f in data["files"]] == ["1500.50", "99.00"]
    assert file_payment_ids(Path(data["files"][1]["path"])) == [corrections["FAB"]]
    assert all(f["delivery"] is None for f in data["files"]), "no upload server is set"
    again = run_json(capsys, sqlite_url, "balance-file")
    assert (again["file"], again["corrections"], again["amount"]) == (None, 0, "0.00")
    code, text, _ = run(capsys, sqlite_url, "balance-file")
    assert code == 0 and text.strip() == "Inga saldokorrigeringar att rapportera"


def test_balance_file_selection_and_out(
    corrections: dict[str, int], sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "fab.xml"
    data = run_json(capsys, sqlite_url, "balance-file", "--owner", "FAB", "--out", str(target))
    assert data["file"] == str(target) and data["selection"]["owners"] == ["FAB"]
    assert file_payment_ids(target) == [corrections["FAB"]]
    code, text, _ = run(capsys, sqlite_url, "balance-file", "--kind", "direct")
    assert code == 0 and text.strip() == "Inga saldokorrigeringar att rapportera"
    code, text, err = run(capsys, sqlite_url, "balance-file", "--out", str(target))
    assert code == 2 and text == "" and err.count("\n") == 1 and "finns redan" in err
    code, text, err = run(capsys, sqlite_url, "balance-file", "--owner", "NOPE")
    assert code == 2 and "okänd ägare: NOPE" in err


def test_reports_list_show_rewrite_and_errors(
    corrections: dict[str, int], sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = run_json(capsys, sqlite_url, "balance-file", "--owner", "BAB")
    listing = run_json(capsys, sqlite_url, "balance-reports")
    [report] = listing["reports"]
    assert (report["owner"], report["corrections"], report["amount"]) == ("BAB", 1, "1500.50")
    assert report["path"] == created["file"] and report["delivery"] is None
    shown = run_json(capsys, sqlite_url, "balance-reports", "show", str(report["id"]))
    [row] = shown["corrections"]
    assert (row["payment_id"], row["amount"], row["reported"]) == (corrections["BAB"], "1500.50", True)
    code, text, _ = run(capsys, sqlite_url, "balance-reports", "show", str(report["id"]))
    assert code == 0 and "1 saldokorrigering, 1\u00a0500,50 kr" in text
    copy = tmp_path / "kopia.xml"
    rewritten = run_json(capsys, sqlite_url, "balance-reports", "rewrite", str(report["id"]),
                         "--out", str(copy))
    assert rewritten["identical"] is True and rewritten["file_id"] == report["file_id"]
    assert copy.read_bytes() == Path(created["file"]).read_bytes()
    code, _, err = run(capsys, sqlite_url, "balance-reports", "show", "999")
    assert code == 2 and err.strip() == "tui-inkasso balance-reports: saldofil (rapport) 999 finns inte"
    code, _, err = run(capsys, sqlite_url, "balance-reports", "resend", str(report["id"]))
    assert code == 1 and "ingen FTP-server är inställd" in err


# ---------------------------------------------------------------- delivery


def test_created_file_is_uploaded_and_resend_finds_it_there(
    corrections: dict[str, int], sqlite_url: str, ftp_server: FtpServer,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    remote = _ftp(ftp_server, monkeypatch)
    data = run_json(capsys, sqlite_url, "balance-file", "--owner", "BAB")
    [created] = data["files"]
    assert created["delivery"]["status"] == "sent"
    local = Path(created["path"])
    assert (remote / local.name).read_bytes() == local.read_bytes()
    report_id = created["report_id"]
    resent = run_json(capsys, sqlite_url, "balance-reports", "resend", str(report_id))
    assert resent["status"] == "sent" and resent["already_delivered"] is True
    assert OutboxFile.select().count() == 1, "a resend goes through the same outbox record"
    [report] = run_json(capsys, sqlite_url, "balance-reports")["reports"]
    assert report["delivery"] == "sent"


def test_a_failed_upload_keeps_the_file_and_resend_sends_it(
    corrections: dict[str, int], sqlite_url: str, ftp_server: FtpServer,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    in_force({"collection.upload_url": f"ftp://inkasso@127.0.0.1:{refused_port()}/in"})
    code, text, err = run(capsys, sqlite_url, "balance-file", "--owner", "FAB")
    assert code == 0, err
    assert "Saldofil skapad" in text and "väntar i utkorgen" in text
    [row] = OutboxFile.select()
    assert row.status == "waiting" and "anslutningen nekades" in row.last_error
    assert Path(row.path).exists()
    remote = _ftp(ftp_server, monkeypatch)
    [report] = run_json(capsys, sqlite_url, "balance-reports")["reports"]
    resent = run_json(capsys, sqlite_url, "balance-reports", "resend", str(report["id"]))
    assert resent["status"] == "sent" and not resent["already_delivered"]
    assert (remote / Path(row.path).name).read_bytes() == Path(row.path).read_bytes()


def test_a_file_made_before_the_server_was_set_is_queued_on_resend(
    corrections: dict[str, int], sqlite_url: str, ftp_server: FtpServer,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    created = run_json(capsys, sqlite_url, "balance-file", "--owner", "BAB")
    assert OutboxFile.select().count() == 0
    remote = _ftp(ftp_server, monkeypatch)
    [report] = run_json(capsys, sqlite_url, "balance-reports")["reports"]
    code, text, err = run(capsys, sqlite_url, "balance-reports", "resend", str(report["id"]))
    assert code == 0, err
    name = Path(created["file"]).name
    assert text.startswith(f"{name} skickad som ") and (remote / name).exists()
    assert OutboxFile.get().collection_file_id is not None


def test_a_payment_date_is_the_files_correction_date(
    out: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    invoice = invoice_for()
    make_case(invoice)
    pay(invoice, 100, dt.date(2026, 2, 3))
    data = run_json(capsys, sqlite_url, "balance-file")
    assert '<Date>2026-02-03</Date>' in Path(data["file"]).read_text(encoding="utf-8")


@pytest.fixture
def any_out(any_db: str, tmp_path: Path) -> Path:
    return _output_folder(tmp_path)


def test_balance_file_refused_header_names_the_owner_and_the_file(
    any_db: str, any_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An owner whose organisation number the format refuses: the message says whose file it was
    (code and name), which file, and that nothing was recorded; nothing is."""
    bab = invoice_for(amount=845000)
    make_case(bab)
    pay(bab, 150050)
    Owner.update(org_no="55-12").where(Owner.id == bab.owner_id).execute()
    owner = Owner.get_by_id(bab.owner_id)
    code, _out, err = run(capsys, any_db, "balance-file")
    assert code != 0 and "Traceback" not in err
    assert f"{owner.code} ({owner.name})" in err, err
    assert "organisationsnummer" in err and "55-12" in err, err
    assert str(any_out / "saldo-BAB-") in err, err
    assert "ingenting sparades" in err, err
    assert list(any_out.iterdir()) == [], "no file, no pending file"
    assert CollectionFile.select().count() == 0 and BalanceReport.select().count() == 0
