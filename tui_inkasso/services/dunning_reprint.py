"""Reprint (återutskrift) of a reminder or demand: the letter exactly as it was sent.

A run stores every notice's letter (``LetterData`` as JSON); a reprint renders that again, as
text for the screen or as a one-page PDF (to a file and/or the printer through ``lp``), so it
shows what the debtor got and not what today's settings would say. A notice recorded without
its letter (imported) is rebuilt from its amounts and dates and says so. Every reprint is
audited.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from tui_inkasso.db.models import (
    Customer,
    DunningLevelConfig,
    DunningNotice,
    Invoice,
    Owner,
    RentalObject,
)
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.bank_days import next_bank_day
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.dunning import is_demand_level
from tui_inkasso.domain.level_kinds import LevelKind, default_kind
from tui_inkasso.fileio import (
    FileNameError,
    FileWriteError,
    atomic_write,
    file_in,
    make_folder,
    name_part,
)
from tui_inkasso.formats.letter import (
    LetterData,
    LetterError,
    render_letter_text,
    render_letters_pdf,
)
from tui_inkasso.services import audit
from tui_inkasso.services.dunning_letter import (
    RateTable,
    owner_address,
    pay_to,
    rent_notice_config,
    rent_premises,
    with_filled_text,
)
from tui_inkasso.services.dunning_levels import get_reference_rates, letters_dir, printer
from tui_inkasso.services.dunning_run import free_path
from tui_inkasso.services.errors import DunningError, NotFound
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.transaction import write_transaction

LP_TIMEOUT = 30
"""Seconds ``lp`` may take to hand a file to the print system."""


class PrintError(DunningError):
    """The letter could not be handed to the printer (no printer set, ``lp`` missing or failing)."""

# --------------------------------------------------------------------------- reprint


@dataclass(frozen=True)
class NoticeInfo:
    """A notice issued for an invoice, as the reprint menu lists it."""

    notice_id: int
    invoice_id: int
    invoice_number: str
    level: int
    name: str
    issued_on: dt.date
    deadline: dt.date
    fee: int
    has_letter: bool
    """False for a notice recorded without its letter (imported): a reprint rebuilds it."""


@dataclass(frozen=True)
class StoredLetter:
    """A notice's letter for a reprint; ``rebuilt`` when it was not stored and was rebuilt."""

    notice_id: int
    letter: LetterData
    rebuilt: bool


REBUILT_NOTE = ("OBS: brevet sparades inte när kravet skickades (importerat krav). Det är återskapat "
                "ur kravets belopp och datum och dagens ägar- och kunduppgifter.")


@reads
def invoice_notices(invoice_id: int) -> list[NoticeInfo]:
    """The reminders and demands issued for an invoice, lowest level first."""
    number = Invoice.select(Invoice.number).where(Invoice.id == invoice_id).scalar()
    if number is None:
        raise NotFound(f"faktura med id {invoice_id} finns inte")
    query = (DunningNotice.select(DunningNotice.id, DunningNotice.level, DunningNotice.name,
                                  DunningNotice.issued_on, DunningNotice.deadline, DunningNotice.fee,
                                  DunningNotice.letter.is_null(False))
             .where(DunningNotice.invoice == invoice_id).order_by(DunningNotice.level))
    return [NoticeInfo(nid, invoice_id, number, level, name, issued, deadline, fee,
                       bool(has))
            for nid, level, name, issued, deadline, fee, has in tuple_rows(query)]


@reads
def find_notice(invoice_ref: str, level: int | None = None) -> NoticeInfo:
    """A notice by invoice number (or OCR) and level; the highest level when ``level`` is None."""
    from tui_inkasso.services.invoice_detail import find_invoice

    invoice = find_invoice(str(invoice_ref))
    notices = invoice_notices(invoice.id)
    if not notices:
        raise NotFound(f"faktura {invoice.number} har ingen påminnelse eller inget krav att skriva ut")
    if level is None:
        return notices[-1]
    for notice in notices:
        if notice.level == level:
            return notice
    have = ", ".join(str(n.level) for n in notices)
    raise NotFound(f"faktura {invoice.number} har ingen kravnivå {level} (utskickade nivåer: {have})")


@reads
def stored_letter(notice_id: int) -> StoredLetter:
    """The letter of a notice: as stored when sent, or rebuilt (and said so) when not stored."""
    notice = DunningNotice.get_or_none(DunningNotice.id == notice_id)
    if notice is None:
        raise NotFound(f"krav med id {notice_id} finns inte")
    if notice.letter:
        try:
            return StoredLetter(notice_id, LetterData.from_json(notice.letter), False)
        except LetterError as exc:
            raise DunningError(f"Det sparade brevet för krav {notice_id} kan inte läsas: {exc}") from None
    return StoredLetter(notice_id, _rebuild_letter(notice), True)


def notice_letter(notice_id: int) -> LetterData:
    """The letter of a notice as sent (see :func:`stored_letter` for imported notices)."""
    return stored_letter(notice_id).letter


def _rebuild_letter(notice: DunningNotice) -> LetterData:
    """A letter from a notice recorded without one (imported): its amounts and dates, today's
    owner and customer details, the configured level with its kind and text (placeholders
    filled), the interest rates of its days and the rent sentence the object's category carries
    today. A half year without its reference rate is refused, as a run would refuse it."""
    invoice = Invoice.get_by_id(notice.invoice_id)
    owner = Owner.get_by_id(invoice.owner_id)
    customer = Customer.get_by_id(invoice.customer_id)
    obj = RentalObject.get_or_none(RentalObject.id == invoice.rental_object_id)
    config = DunningLevelConfig.get_or_none(DunningLevelConfig.level == notice.level)
    kind = (LevelKind(config.kind) if config is not None and config.kind
            else default_kind(notice.level, notice.fee))
    sfi = obj.object_type.sfi if obj is not None else None
    moved_due = next_bank_day(invoice.due_date)
    rates = RateTable(get_reference_rates()).periods(moved_due, notice.issued_on)
    earlier = DunningNotice.select(pw.fn.COALESCE(pw.fn.SUM(DunningNotice.fee), 0)).where(
        DunningNotice.invoice == invoice.id, DunningNotice.level < notice.level).scalar() or 0
    issued = notice.issued_on
    letter = LetterData(
        owner_name=owner.name, owner_org_no=owner.org_no, owner_address=owner_address(owner),
        owner_phone=owner.phone, owner_email=owner.email, bankgiro=pay_to(owner),
        customer_name=customer.name,
        customer_address=tuple(x for x in (customer.address,
                                           f"{customer.postal_code} {customer.city}".strip()) if x),
        invoice_number=invoice.number, kind=invoice.kind, invoice_date=invoice.invoice_date,
        due_date=invoice.due_date, ocr=invoice.ocr, level=notice.level, level_name=notice.name,
        is_demand=is_demand_level(notice.level), issued_on=issued, payment_deadline=notice.deadline,
        capital_ore=notice.capital, interest_ore=notice.interest, fee_ore=notice.fee,
        earlier_fees_ore=earlier,
        total_ore=notice.capital + notice.interest + notice.fee + earlier,
        letter_text=config.letter_text if config is not None else "",
        object_address=(obj.address or obj.code) if obj is not None else "",
        forfeiture_notice=False, customer_number=customer.number,
        interest_to=issued, level_kind=kind.value, interest_from=moved_due + dt.timedelta(days=1),
        interest_rates=rates, rent_premises=rent_premises(invoice.kind, sfi, rent_notice_config()),
    )
    return with_filled_text(letter, config.deadline_days if config is not None else 8)


@reads
def preview_text(notice_id: int) -> str:
    """The letter as terminal text, exactly as the PDF prints it (a note first when rebuilt)."""
    stored = stored_letter(notice_id)
    text = render_letter_text(stored.letter)
    return f"{REBUILT_NOTE}\n\n{text}" if stored.rebuilt else text


def notice_pdf(notice_id: int) -> bytes:
    """One notice's letter as a one-page PDF, byte for byte the same at every reprint."""
    letter = notice_letter(notice_id)
    return render_letters_pdf([letter], creation_date=dt.datetime.combine(letter.issued_on, dt.time()))


@dataclass(frozen=True)
class PrintResult:
    """What a reprint did: the PDF written (or None) and the printer it went to (or None)."""

    notice_id: int
    path: Path | None
    printer: str | None
    rebuilt: bool

    @property
    def message(self) -> str:
        """One Swedish line for the user."""
        parts = []
        if self.path is not None:
            parts.append(f"PDF sparad: {self.path}")
        if self.printer:
            parts.append(f"skickad till skrivaren {self.printer}")
        return "; ".join(parts) or "Inget skrevs ut."


@reads
def default_reprint_path(notice_id: int) -> Path:
    """A free file name for a reprint in :func:`letters_dir`."""
    notice = DunningNotice.get_or_none(DunningNotice.id == notice_id)
    if notice is None:
        raise NotFound(f"krav med id {notice_id} finns inte")
    number = Invoice.select(Invoice.number).where(Invoice.id == notice.invoice_id).scalar()
    folder = letters_dir()
    try:  # the invoice number is data: a plain name part, checked to stay in the folder
        name = file_in(folder, f"aterutskrift-{name_part(number)}-niva{notice.level}.pdf").name
    except FileNameError as exc:
        raise DunningError(str(exc)) from None
    return free_path(folder, name)


@requires(StaffRole.CLERK, "skriva ut påminnelser och krav igen")
def print_notice(notice_id: int, path: Path | None, *, to_printer: bool) -> PrintResult:
    """Reprint a notice's stored letter: a PDF to ``path`` and/or to the printer via ``lp``.

    The PDF is written atomically and never over an existing file. With ``to_printer`` the
    letter goes to ``dunning.printer`` through ``lp -d PRINTER FILE``; a missing printer
    setting, a missing ``lp`` or its failure is a :class:`PrintError` with ``lp``'s own words
    (a PDF asked for is still written first). Every reprint is in the audit log.
    """
    if path is None and not to_printer:
        raise DunningError("Ange en fil för PDF:en eller välj att skriva ut på skrivaren.")
    stored = stored_letter(notice_id)
    pdf = notice_pdf(notice_id)
    written: Path | None = None
    if path is not None:
        written = Path(path).expanduser()
        if written.exists():
            raise DunningError(f"Filen {written} finns redan; välj ett annat namn.")
        _prepare_folder_for_file(written)
        try:
            with atomic_write(written) as handle:
                handle.write(pdf)
        except FileWriteError as exc:
            raise DunningError(f"PDF:en kunde inte sparas: {exc}") from None
    destination: str | None = None
    error: PrintError | None = None
    if to_printer:
        try:
            destination = _send_to_printer(pdf, written, stored.letter.invoice_number)
        except PrintError as exc:
            error = exc
    result = PrintResult(notice_id, written, destination, stored.rebuilt)
    if written is not None or destination is not None:
        with write_transaction():
            audit.record("dunning.reprint", "invoice", stored.letter.invoice_number,
                         f"{stored.letter.level_name} (nivå {stored.letter.level}) "
                         f"{stored.letter.issued_on.isoformat()}: {result.message}"
                         + (" (återskapat brev)" if stored.rebuilt else ""))
    if error is not None:
        saved = f" PDF:en sparades i {written}." if written is not None else ""
        raise PrintError(f"{error}{saved}")
    return result


def _prepare_folder_for_file(path: Path) -> None:
    try:
        make_folder(path.parent)
    except OSError as exc:
        raise DunningError(f"Mappen {path.parent} kan inte skapas: {exc.strerror or exc}") from None


def _send_to_printer(pdf: bytes, written: Path | None, invoice_number: str) -> str:
    """Hand the PDF to ``lp``; returns the destination, or raises PrintError with lp's words."""
    destination = printer()
    if not destination:
        raise PrintError("Ingen skrivare är inställd (dunning.printer under Inställningar → "
                         "Påminnelse/krav); brevet skrevs inte ut.")
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("Kommandot lp finns inte på den här datorn (installera CUPS-klienten, "
                         "paketet cups-client); brevet skrevs inte ut.")
    with tempfile.TemporaryDirectory(prefix="tui-inkasso-print-") as folder:
        file = written or Path(folder) / f"aterutskrift-{name_part(invoice_number)}.pdf"
        if written is None:
            file.write_bytes(pdf)
        try:
            done = subprocess.run([lp, "-d", destination, str(file)], capture_output=True, text=True,
                                  timeout=LP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PrintError(f"lp svarade inte inom {LP_TIMEOUT} s (skrivare {destination}); "
                             f"brevet skrevs kanske inte ut.") from None
        except OSError as exc:
            raise PrintError(f"lp kunde inte startas: {exc.strerror or exc}") from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip() or "inget meddelande"
        raise PrintError(f"Utskriften till {destination} misslyckades (lp avslutade med kod "
                         f"{done.returncode}): {said}")
    return destination
