"""The delivery and services commands: settings refusals, trust-host, outbox, services (--json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import fixtures_servers as fx
from tests import service_jobs
from tests.common import run
from tests.servers import SshdServer, listing, ssh_fingerprint
from tests.staff import in_force
from tui_inkasso.db.models import CollectionFile
from tui_inkasso.services import outbox, scheduled, scheduled_jobs, settings
from tui_inkasso.services.clock import now
from tui_inkasso.services.transaction import write_transaction

sshd_server = fx.sshd_server


@pytest.fixture(autouse=True)
def _jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduled_jobs, "JOBS", dict(scheduled_jobs.JOBS))
    monkeypatch.setattr(scheduled_jobs, "SERVICE_LABELS", dict(scheduled_jobs.SERVICE_LABELS))
    service_jobs.register()


def test_a_password_in_the_upload_url_is_refused_by_settings_set(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, sqlite_url, "settings", "set", "collection.upload_url",
                         "sftp://inkasso:hemligt@files.agency.se/in")
    assert code == 2 and out == ""
    assert "innehåller ett lösenord" in err and "TUI_INKASSO_UPLOAD_PASSWORD" in err
    assert "hemligt" not in err and "inkasso:***@" in err
    assert settings.get_setting("collection.upload_url") == ""


@pytest.mark.parametrize(("key", "value", "message"), [
    ("mail.port", "smtp", "inget portnummer"),
    ("mail.port", "70000", "inget portnummer"),
    ("mail.starttls", "kanske", "ja eller nej"),
    ("mail.sender", "inkasso.fastighet.se", "ingen e-postadress"),
    ("mail.host", "smtp.x.se:587", "inget servernamn"),
    ("collection.upload_key_file", "/tmp", "är en mapp"),
])
def test_new_settings_are_validated(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], key: str, value: str, message: str
) -> None:
    code, _, err = run(capsys, sqlite_url, "settings", "set", key, value)
    assert code == 2 and message in err and key in err


def test_new_settings_are_stored_in_one_form(sqlite_url: str) -> None:
    assert settings.set_setting("mail.starttls", "False") == "nej"
    assert settings.set_setting("mail.port", " 25 ") == "25"
    assert settings.set_setting("mail.sender", " inkasso@fastighet.se ") == "inkasso@fastighet.se"


def test_unknown_host_then_trust_host_then_resend(
    sqlite_url: str, sshd_server: SshdServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = fx.fresh_dir(sshd_server.home)
    known = tmp_path / "cfg" / "known_hosts"
    in_force({
        "collection.upload_url": sshd_server.url(folder),
        "collection.upload_key_file": str(sshd_server.user_key),
        "collection.upload_known_hosts": str(known),
    })
    path = tmp_path / "saldo_1.xml"
    path.write_bytes(b"<Saldokorrigeringar/>\n")
    with write_transaction():
        record = CollectionFile.create(kind="saldofil", system="intrum", path=str(path), file_id="1",
                                       created_at=now(), created_by="testare")
        row = outbox.enqueue_delivery(path, "saldofil", record.id)
    assert row is not None
    fingerprint = ssh_fingerprint(sshd_server.host_key)

    code, out, err = run(capsys, sqlite_url, "outbox", "send", "--json")
    assert code == 1
    [result] = json.loads(out)["results"]
    assert result["status"] == "failed" and result["reason"] == "host_key_unknown"
    assert fingerprint in result["error"] and f"tui-inkasso trust-host {sshd_server.url(folder)}" in result["error"]

    code, out, err = run(capsys, sqlite_url, "trust-host")  # no terminal here, no --yes
    assert code == 2 and fingerprint in err and "--yes" in err
    assert not known.exists()

    code, out, err = run(capsys, sqlite_url, "trust-host", sshd_server.url(folder), "--yes", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["fingerprint"] == fingerprint and data["known_hosts"] == str(known)
    assert known.exists()

    code, out, err = run(capsys, sqlite_url, "outbox", "send", str(row.id))
    assert code == 0, err
    assert "skickad som" in out
    assert listing(sshd_server.home / folder) == [path.name]

    code, out, _ = run(capsys, sqlite_url, "outbox", "list", "--json")
    [entry] = json.loads(out)["files"]
    assert entry["status"] == "sent" and entry["attempts"] == 2 and entry["local_file_exists"]
    assert json.loads(out)["counts"]["sent"] == 1


def test_trust_host_refuses_other_schemes(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, sqlite_url, "trust-host", "ftp://u@h/in", "--yes")
    assert code == 2 and err == (
        "tui-inkasso trust-host: ftp://u@h/in: bara sftp://-servrar har värdnycklar att lita på\n")


def test_services_add_list_run_remove(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.set_setting("collection.output_dir", str(tmp_path / "out"))
    code, out, err = run(capsys, sqlite_url, "services", "add", "--name", "Saldofil måndagar",
                         "--service", "testfil", "--every", "week", "--weekday", "mon", "thu",
                         "--at", "05:30", "--notify", "ekonomi@fastighet.se", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["schedule"] == "Varje måndag och torsdag kl. 05:30" and added["enabled"]

    code, out, err = run(capsys, sqlite_url, "services", "add", "--name", "X", "--every", "month",
                         "--day", "31")
    assert code == 2 and "dag i månaden: 31 går inte" in err

    code, out, err = run(capsys, sqlite_url, "services", "run", str(added["id"]), "--json")
    assert code == 0, err
    ran = json.loads(out)["run"]
    assert ran["result"] == "ok" and ran["trigger"] == "manual" and Path(ran["file"]).exists()

    code, out, _ = run(capsys, sqlite_url, "services", "list", "--json")
    [listed] = json.loads(out)["services"]
    assert {k: listed[k] for k in ("id", "name", "enabled")} == {
        "id": added["id"], "name": "Saldofil måndagar", "enabled": True}
    assert listed["next_run"].endswith("T05:30:00")
    assert listed["last_run"]["result"] == "ok" and listed["last_run"]["trigger"] == "manual"

    code, out, _ = run(capsys, sqlite_url, "services", "list")
    assert "Saldofil måndagar" in out and "Klar (Manuell)" in out

    code, out, _ = run(capsys, sqlite_url, "services", "remove", str(added["id"]), "--json")
    assert code == 0 and json.loads(out) == {"removed": added["id"], "name": "Saldofil måndagar"}
    code, _, err = run(capsys, sqlite_url, "services", "run", str(added["id"]))
    assert code == 2 and f"schemalagd tjänst {added['id']} finns inte" in err


def test_a_failing_manual_run_exits_1_with_the_reason(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service = scheduled.create_service(scheduled.ServiceSpec(name="Trasig", service="failing"))
    code, out, _ = run(capsys, sqlite_url, "services", "run", str(service.id))
    assert code == 1 and "Misslyckades" in out and "RuntimeError" in out
