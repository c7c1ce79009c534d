"""Import a ledger from another system (`tui-inkasso import-ledger FILE.json`).

The format is documented in ``docs/ledger-import.md``. The import has two phases:

1. **Validate everything** without writing: every field of every record (types, ISO dates,
   amounts with at most two decimals, check digits of organisationsnummer, personnummer,
   bankgiro, plusgiro and OCR) and duplicates, by the file's reader
   (:mod:`tui_inkasso.formats.ledger_json`, no database); then references between records (in
   the file or already in the database) and that nothing already stored would have to change
   where changing is not allowed (:mod:`tui_inkasso.services.ledger_import_checks`). Every
   problem is collected as ``path: reason``
   (``invoices[3].ocr: OCR-numret '20000189' har fel kontrollsiffra``, the reason in Swedish for
   the person migrating, as the domain words it); one problem refuses the whole file.
2. **Write it all** in one transaction (:mod:`tui_inkasso.services.ledger_import_writer`).

Re-importing is safe. Records are found by their natural keys (owner id -> ``Owner.code``,
property id, object type code, object id, customer id -> ``Customer.number``, invoice number,
dunning level per invoice, and for payments a key derived from their content, stored in
``Payment.bank_ref`` as ``import:<sha>``). What the file says about master data (settings,
dunning levels, owners and their accounts, properties, object types, objects, customers) is
applied: a changed record is updated. Money is never rewritten: an invoice (rows included) or a
dunning notice that differs from the stored one is an error; new notices and new payments are
added, and the invoice's balance and dunning state follow. The same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.fileio import InputFileError, read_regular_file
from tui_inkasso.formats.ledger_json import (
    FORMAT,
    MAX_FILE_SIZE,
    Ledger,
    LedgerFileError,
    Problem,
    parse_json,
    read_ledger,
)
from tui_inkasso.services import audit, setting_keys
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.ledger_import_checks import Known, check_references
from tui_inkasso.services.ledger_import_writer import SECTIONS, LedgerWriter, RecordCounts
from tui_inkasso.services.permissions import requires
from tui_inkasso.services.transaction import write_transaction

if TYPE_CHECKING:
    from tui_inkasso.services.approvals import ProposalInfo

__all__ = [
    "FORMAT", "LEDGER_SETTINGS", "SECTIONS", "LedgerImportError", "LedgerImportResult", "RecordCounts", "counts_as_dict",
    "import_ledger", "import_ledger_bytes", "validate_ledger",
]


class LedgerImportError(UserError):
    """The file was refused; ``errors`` lists every problem as ``path: reason``."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        self.errors = [str(problem) for problem in self.problems]
        lines = [f"{source}: {len(self.errors)} fel, ingenting lästes in", *self.errors]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class LedgerImportResult:
    """What an import did, per record type (see :data:`SECTIONS`)."""

    source: str
    sha256: str
    counts: dict[str, RecordCounts]
    proposals: tuple[ProposalInfo, ...] = ()
    """Payment routing the file would change (the agency's bankgiro, an existing owner's giro
    numbers and accounts): proposed for a second administrator, not changed."""

    @property
    def changed(self) -> bool:
        """False when the database already held everything in the file (and proposed nothing)."""
        return any(c.created or c.updated for c in self.counts.values()) or bool(self.proposals)


def validate_ledger(data: Any) -> tuple[Ledger, Known, list[Problem]]:
    """Read and check a parsed file against itself and the database; writes nothing."""
    ledger, problems = read_ledger(data, _check_setting, today())
    known = check_references(ledger, problems)
    return ledger, known, problems


LEDGER_SETTINGS = frozenset({
    "collection.system", "collection.agency_accounts", "collection.output_dir",
    "dunning.min_amount", "dunning.reminder_fee_cap", "dunning.demand_fee_cap", "dunning.rent_notice",
    "dunning.letters_dir", "payments.settlement_order", "payments.late_interest_min",
})
"""The settings a ledger file may set: how the ledger books and dunns, and where its files are
written. Everything else (where and how files are sent: upload server, password and key files,
host keys, CA; e-mail; the daemon's log; the group that may read personal data; the printer; the
payment folder of a workstation) is refused with its key, so a file from another system can never
send the personnummer file, with the agency login, to a server it names (issue 14 item 9). A new
setting is refused until it is added here. ``collection.agency_accounts`` decides which payments
count as the agency's: a file that changes it only proposes the change, for a second
administrator to approve (``settings.FOUR_EYES_KEYS``, issue 17)."""


def _check_setting(key: str, value: str) -> str:
    """A setting's value as the settings service stores it; the reason without the key."""
    try:
        setting_keys.setting_key(key)
        if key not in LEDGER_SETTINGS:
            raise ValueError(
                "en reskontrafil får inte ändra den här inställningen (bara reskontrans egna: "
                f"{', '.join(sorted(LEDGER_SETTINGS))}); ändra den under Inställningar eller med "
                f"'tui-inkasso settings set {key}'")
        return setting_keys.validate_setting(key, value)
    except setting_keys.SettingError as exc:
        raise ValueError(str(exc).removeprefix(f"{key}: ")) from None


@requires(StaffRole.ADMIN, "läsa in reskontror")
def import_ledger(path: str | Path) -> LedgerImportResult:
    """Validate ``path`` whole, then write it in one transaction; refused whole on any error."""
    file = Path(path)
    try:
        raw = read_regular_file(file, limit=MAX_FILE_SIZE)
    except InputFileError as exc:
        raise UserError(str(exc)) from None
    return import_ledger_bytes(raw, str(file))


def import_ledger_bytes(raw: bytes, source: str = "(data)") -> LedgerImportResult:
    """The same as :func:`import_ledger` for a file already read."""
    try:
        data = parse_json(raw)
    except LedgerFileError as exc:
        raise LedgerImportError(source, exc.problems) from None
    sha = hashlib.sha256(raw).hexdigest()
    with write_transaction():
        ledger, known, problems = validate_ledger(data)
        if problems:
            raise LedgerImportError(source, problems)
        writer = LedgerWriter(ledger, known)
        writer.run()
        result = LedgerImportResult(source, sha, writer.counts, tuple(writer.proposals))
        if result.changed:
            counts = {name: [c.created, c.updated] for name, c in writer.counts.items() if c.created or c.updated}
            audit.record("ledger.imported", "file", Path(source).name, {
                "file": Path(source).name, "sha256": sha[:16], "counts": counts, "updated": writer.changes[:50],
                "proposed": [p.id for p in writer.proposals]})
    return result


def counts_as_dict(result: LedgerImportResult) -> dict[str, dict[str, int]]:
    """Per record type {created, updated, unchanged}, for JSON output."""
    return {name: {f.name: getattr(c, f.name) for f in fields(c)} for name, c in result.counts.items()}
