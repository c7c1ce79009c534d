"""Reminder and demand letters as stored, previewed and reprinted (PDF, and ``lp`` through a real
stand-in executable on PATH), on SQLite and PostgreSQL where the store matters."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.common import pdf_pages, words
from tests.rate_data import store_rates
from tests.test_dunning_service import DEMAND, REMINDER, invoice
from tui_inkasso.db.models import AuditEntry, DunningNotice, Invoice, Owner
from tui_inkasso.domain.dunning import DunningLevel
from tui_inkasso.formats.letter import LetterData, render_letter_text
from tui_inkasso.services import dunning_levels, dunning_reprint, dunning_run
from tui_inkasso.services.dunning_reprint import PrintError
from tui_inkasso.services.errors import DunningError, NotFound
from tui_inkasso.services.settings import set_setting


@pytest.fixture
def levels(any_db: str) -> list[DunningLevel]:
    store_rates()
    return dunning_levels.save_levels([REMINDER, DEMAND])


@pytest.fixture
def sqlite_levels(sqlite_url: str) -> list[DunningLevel]:
    store_rates()
    return dunning_levels.save_levels([REMINDER, DEMAND])


# --- letters and reprints -----------------------------------------------------------------------


def test_the_stored_letter_is_what_the_pdf_and_preview_show(levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001")
    invoice("9002", customer_number="K1002", kind="direct", fee_allowed=False)
    result = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    assert result.pdf_path is not None
    pages = pdf_pages(result.pdf_path.read_bytes())
    assert len(pages) == 2
    for notice, page in zip(result.notices, pages, strict=True):
        stored = DunningNotice.get_by_id(notice.notice_id)
        letter = LetterData.from_json(stored.letter)
        assert (letter.capital_ore, letter.fee_ore, letter.interest_ore) == (stored.capital, stored.fee,
                                                                              stored.interest)
        assert letter.total_ore == notice.total
        assert letter.bankgiro == "5805-6201" and letter.owner_name == "Bostads AB Exempel"
        assert not letter.forfeiture_notice  # the old sentence: letters now carry the exact one
        assert letter.rent_premises == ("bostad" if letter.kind == "rent" else "")
        assert dunning_reprint.preview_text(notice.notice_id) == render_letter_text(letter)
        preview = words(render_letter_text(letter))
        assert all(words(s) in preview for s in page), "every string on the PDF page is in the preview"
        assert f"Faktura {letter.invoice_number}".lower() in " ".join(page).lower()
        text = words(dunning_reprint.preview_text(notice.notice_id))
        assert f"Påminnelse avseende faktura {letter.invoice_number}" in text
        assert "Betalas senast 2026-07-13" in text


def test_reprint_is_byte_identical_and_audited(levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001")
    result = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "run")
    notice_id = result.notices[0].notice_id
    # The owner moves after the letter was sent: a reprint still shows what was sent.
    Owner.update(name="Nytt Namn AB").execute()
    first = dunning_reprint.print_notice(notice_id, tmp_path / "a.pdf", to_printer=False)
    second = dunning_reprint.print_notice(notice_id, tmp_path / "b.pdf", to_printer=False)
    assert first.path is not None and second.path is not None
    assert first.path.read_bytes() == second.path.read_bytes()
    assert "Bostads AB Exempel" in " ".join(pdf_pages(first.path.read_bytes())[0])
    assert not first.rebuilt
    with pytest.raises(DunningError, match="finns redan"):
        dunning_reprint.print_notice(notice_id, tmp_path / "a.pdf", to_printer=False)
    entries = AuditEntry.select().where(AuditEntry.action == "dunning.reprint")
    assert [(e.object_id, "a.pdf" in e.details or "b.pdf" in e.details) for e in entries] == [
        ("9001", True), ("9001", True)]
    default = dunning_reprint.default_reprint_path(notice_id)
    assert default.name == "aterutskrift-9001-niva1.pdf"


def test_find_notice_by_invoice_number_and_level(sqlite_levels: list[DunningLevel], tmp_path: Path) -> None:
    invoice("9001")
    invoice("9002", customer_number="K1002")
    dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev")
    dunning_run.run_dunning(dt.date(2026, 7, 14), out_dir=tmp_path / "brev")
    assert dunning_reprint.find_notice("9001").level == 2
    assert dunning_reprint.find_notice("9001", 1).level == 1
    with pytest.raises(NotFound, match="ingen kravnivå 3"):
        dunning_reprint.find_notice("9001", 3)
    invoice("9009", customer_number="K1009", due=dt.date(2026, 12, 31))
    with pytest.raises(NotFound, match="ingen påminnelse"):
        dunning_reprint.find_notice("9009")
    assert [n.level for n in dunning_reprint.invoice_notices(Invoice.get(Invoice.number == "9002").id)] == [1, 2]


def test_an_imported_notice_without_a_letter_is_rebuilt_and_says_so(levels: list[DunningLevel]) -> None:
    inv = invoice("9001")
    notice = DunningNotice.create(invoice=inv, level=1, name="Påminnelse", issued_on=dt.date(2026, 7, 2),
                                  deadline=dt.date(2026, 7, 13), capital=845000, fee=6000, interest=0)
    stored = dunning_reprint.stored_letter(notice.id)
    assert stored.rebuilt
    assert stored.letter.total_ore == 851000 and stored.letter.letter_text == REMINDER.letter_text
    text = dunning_reprint.preview_text(notice.id)
    assert text.startswith("OBS: brevet sparades inte")
    assert "Påminnelse avseende faktura 9001" in text
    # Rebuilt as today's letters are: the level's kind, the rates of its days, the exact rent sentence.
    assert stored.letter.level_kind == "reminder" and stored.letter.rent_premises == "bostad"
    assert stored.letter.interest_rates == ((dt.date(2026, 6, 23), dt.date(2026, 7, 2), 1000),)
    assert "12 kap. 42 § första stycket 1 jordabalken" in " ".join(text.split())


def test_printing_without_a_printer_or_without_lp_is_a_clear_error(
        sqlite_levels: list[DunningLevel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    invoice("9001")
    notice_id = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "brev").notices[0].notice_id
    with pytest.raises(PrintError, match="Ingen skrivare är inställd"):
        dunning_reprint.print_notice(notice_id, None, to_printer=True)
    set_setting("dunning.printer", "kontoret")
    empty_bin = tmp_path / "bin-without-lp"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    with pytest.raises(PrintError, match="lp finns inte") as refused:
        dunning_reprint.print_notice(notice_id, tmp_path / "kopia.pdf", to_printer=True)
    assert "PDF:en sparades i" in str(refused.value) and (tmp_path / "kopia.pdf").exists()


def _fake_lp(folder: Path, body: str) -> None:
    """A real executable named lp (a stand-in for CUPS' client) at the front of PATH."""
    folder.mkdir(exist_ok=True)
    script = folder / "lp"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)


def test_printing_through_lp(sqlite_levels: list[DunningLevel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    invoice("9001")
    notice_id = dunning_run.run_dunning(dt.date(2026, 7, 2), out_dir=tmp_path / "run").notices[0].notice_id
    set_setting("dunning.printer", "kontoret")
    spool = tmp_path / "spool"
    spool.mkdir()
    bin_dir = tmp_path / "bin"
    _fake_lp(bin_dir, f'[ "$1" = "-d" ] || exit 9\necho "$2" > "{spool}/destination"\n'
                      f'cp "$3" "{spool}/job.pdf"\necho "request id is $2-1 (1 file(s))"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = dunning_reprint.print_notice(notice_id, None, to_printer=True)
    assert (result.printer, result.path) == ("kontoret", None)
    assert (spool / "destination").read_text().strip() == "kontoret"
    assert (spool / "job.pdf").read_bytes() == dunning_reprint.notice_pdf(notice_id)
    _fake_lp(bin_dir, 'echo "lp: The printer or class does not exist." >&2\nexit 1\n')
    with pytest.raises(PrintError, match="The printer or class does not exist") as failed:
        dunning_reprint.print_notice(notice_id, None, to_printer=True)
    assert "kod 1" in str(failed.value)
    assert AuditEntry.select().where(AuditEntry.action == "dunning.reprint").count() == 1
