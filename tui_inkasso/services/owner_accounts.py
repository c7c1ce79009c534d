"""Owners' payment details and ledger accounts (Inställningar → Ägare och konton).

Each owner receives payments on its bankgiro and/or plusgiro, and maps every account role
(kontovärde: Kundfordringar, Bank, Förskott från kunder, Överskjutande betalning inkasso,
Påminnelseavgifter, Ränteintäkter, Hyresintäkter) to an account in its own chart. Until now they
could only be set by a ledger import. Here staff see and change them: every value is checked
first (bankgiro and plusgiro with their check digits, account numbers as 1–10 digits, no removing
an account that bookings need) and nothing is stored unless all are valid; then the changed
values are stored in one transaction, each change audited.

The OCR control level of the owner's receiving bankgiro/plusgiro (``domain.ocr_control``: what
Bankgirot checks in the references paid to it) is set here too; a level that the OCR numbers of
the owner's open invoices do not pass is refused, naming one of them, since payments to them
would then be taken for mistyped.

The owner's contact details (phone, e-mail, postal address) are set here too: a collection
demand names the creditor and how to reach them (inkassolagen 5 §), and until now only a ledger
import set them. They are checked (``domain.contact_details``), stored at once with the rest and
audited; they decide nothing about money, so they need no second approver.

:func:`save_owner_accounts` is the one function that changes them. The giro numbers and the
accounts decide which payments are the owner's and where they are booked, so a change of one of
them is a proposal that another administrator approves (four eyes, issue 17,
``services.approvals``), and the old value stays in force until then (:func:`store_approved`
puts it in force). The OCR control level is stored at once, audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui_inkasso.db.models import Account, Invoice, Owner
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.codes import AccountRole, StaffRole
from tui_inkasso.domain.contact_details import NORMALIZERS, ContactError
from tui_inkasso.domain.identifiers import (
    IdentifierError,
    format_bankgiro,
    format_plusgiro,
    normalize_bankgiro,
    normalize_plusgiro,
)
from tui_inkasso.domain.ledger_accounts import (
    REQUIRED_ROLES,
    AccountNumberError,
    normalize_account_number,
)
from tui_inkasso.domain.ocr_control import DEFAULT_OCR_CONTROL, OcrControl, is_valid_ocr
from tui_inkasso.services import audit
from tui_inkasso.services.errors import NotFound, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.transaction import write_transaction

if TYPE_CHECKING:
    from tui_inkasso.services.approvals import ProposalInfo

ROLES: tuple[str, ...] = tuple(role.value for role in AccountRole)
"""Every account role, in the order the form shows them."""

GIRO_FIELDS = ("bankgiro", "plusgiro")
"""The owner's payment numbers, by field name."""

OCR_CONTROL = "ocr_control"
"""The field of the OCR control level (an ``OcrControl`` code)."""

OWNER_FIELDS = (*GIRO_FIELDS, OCR_CONTROL)
"""The fields stored on the owner itself (the roles are accounts)."""

CONTACT_FIELDS: tuple[str, ...] = tuple(NORMALIZERS)
"""How the creditor is reached: "phone", "email", "address", "postal_code", "city" (on the owner)."""


class OwnerAccountsError(UserError):
    """Values that were refused: ``problems`` maps a field ("bankgiro", "plusgiro", or an account
    role) to its reason; nothing was stored."""

    def __init__(self, problems: dict[str, str]) -> None:
        count = len(problems)
        super().__init__(f"Inget sparades: {count} {'värde är felaktigt' if count == 1 else 'värden är felaktiga'}: "
                         + "; ".join(f"{name}: {reason}" for name, reason in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class OwnerAccounts:
    """One owner as the form shows it: who it is, its giro numbers (digits, "" for none) and its
    account number for each role ("" for none)."""

    owner_id: int
    code: str
    name: str
    org_no: str
    bankgiro: str
    plusgiro: str
    accounts: dict[str, str] = field(default_factory=dict)
    ocr_control: str = DEFAULT_OCR_CONTROL.value
    """The ``OcrControl`` code of the receiving accounts' agreement."""
    contact: dict[str, str] = field(default_factory=dict)
    """Every :data:`CONTACT_FIELDS` name -> its value ("" for none)."""

    @property
    def bankgiro_text(self) -> str:
        """The bankgiro as printed (NNNN-NNNN), or ""."""
        return format_bankgiro(self.bankgiro) if self.bankgiro else ""

    @property
    def plusgiro_text(self) -> str:
        """The plusgiro as printed (NNNNNN-N), or ""."""
        return format_plusgiro(self.plusgiro) if self.plusgiro else ""

    @property
    def mapped_roles(self) -> int:
        """How many roles have an account."""
        return sum(1 for number in self.accounts.values() if number)


@reads
def list_owner_accounts() -> list[OwnerAccounts]:
    """Every owner with its giro numbers and accounts, by owner code."""
    accounts: dict[int, dict[str, str]] = {}
    for owner_id, role, number in tuple_rows(Account.select(Account.owner, Account.role, Account.number)):
        accounts.setdefault(owner_id, {})[role] = number
    return [_owner(row, accounts.get(row.id, {})) for row in Owner.select().order_by(Owner.code)]


def owner_accounts(owner_id: int) -> OwnerAccounts:
    """One owner (NotFound when there is none with ``owner_id``)."""
    row = Owner.get_or_none(Owner.id == owner_id)
    if row is None:
        raise NotFound(f"ägare med id {owner_id} finns inte")
    numbers = {a.role: a.number for a in Account.select().where(Account.owner == owner_id)}
    return _owner(row, numbers)


def _owner(row: Owner, numbers: dict[str, str]) -> OwnerAccounts:
    return OwnerAccounts(row.id, row.code, row.name, row.org_no, row.bankgiro or "", row.plusgiro or "",
                         {role: numbers.get(role, "") for role in ROLES} | numbers,
                         row.ocr_control or DEFAULT_OCR_CONTROL.value,
                         {name: getattr(row, name) or "" for name in CONTACT_FIELDS})


def check_owner_accounts(current: OwnerAccounts, values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The values as they would be stored, and the reason for each refused one (field -> reason).

    ``values`` holds "bankgiro", "plusgiro", "ocr_control", contact fields and account roles, as typed (missing ones are left as
    they are). Empty means none; an account that bookings need (:data:`REQUIRED_ROLES`) cannot be
    emptied once set.
    """
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, typed in values.items():
        text = typed.strip()
        try:
            if name == "bankgiro":
                cleaned[name] = normalize_bankgiro(text) if text else ""
            elif name == "plusgiro":
                cleaned[name] = normalize_plusgiro(text) if text else ""
            elif name == OCR_CONTROL:
                cleaned[name] = OcrControl.parse(text).value
            elif name in CONTACT_FIELDS:
                cleaned[name] = NORMALIZERS[name](text)
            elif name in ROLES:
                if not text and name in REQUIRED_ROLES and current.accounts.get(name):
                    raise AccountNumberError(f"{name} behövs när betalningar bokas; ändra kontot i stället för att ta bort det")
                cleaned[name] = normalize_account_number(text) if text else ""
            else:
                problems[name] = "okänt fält"
        except (IdentifierError, AccountNumberError, ContactError, ValueError) as exc:
            problems[name] = str(exc)
    return cleaned, problems


@dataclass(frozen=True)
class SavedOwner:
    """What a save did: the owner as in force (unchanged until approved) and the proposals made."""

    owner: OwnerAccounts
    proposals: list[ProposalInfo]


@requires(StaffRole.ADMIN, "ändra ägares bankgiro, plusgiro och konton")
def save_owner_accounts(owner_id: int, values: dict[str, str]) -> SavedOwner:
    """Check every value, then propose each changed one in one transaction (four eyes: the
    values in force stay until another administrator approves, ``services.approvals``).

    Raises :class:`OwnerAccountsError` (naming every refused field) and stores nothing when any
    value is refused. A value set back to the one in force withdraws its waiting proposal.
    """
    from tui_inkasso.services import approvals

    with write_transaction():
        current = owner_accounts(owner_id)
        cleaned, problems = check_owner_accounts(current, values)
        if OCR_CONTROL in cleaned and cleaned[OCR_CONTROL] != current.ocr_control:
            refused = invoices_failing_ocr(owner_id, OcrControl(cleaned[OCR_CONTROL]))
            if refused:
                problems[OCR_CONTROL] = refused
        if problems:
            raise OwnerAccountsError(problems)
        _store_contact(current, cleaned)
        if OCR_CONTROL in cleaned and cleaned[OCR_CONTROL] != current.ocr_control:
            Owner.update(ocr_control=cleaned[OCR_CONTROL]).where(Owner.id == owner_id).execute()
            audit.record("owner.changed", "owner", current.code,
                         {"field": OCR_CONTROL, "old": current.ocr_control, "new": cleaned[OCR_CONTROL]})
        proposals = []
        for name in (*GIRO_FIELDS, *ROLES):
            if name not in cleaned:
                continue
            old = getattr(current, name) if name in GIRO_FIELDS else current.accounts.get(name, "")
            proposal = approvals.propose(approvals.OWNER, str(owner_id), name, f"owner.{current.code}.{_key_part(name)}",
                                         old, cleaned[name])
            if proposal is not None:
                proposals.append(proposal)
        return SavedOwner(owner_accounts(owner_id), proposals)


def _store_contact(current: OwnerAccounts, cleaned: dict[str, str]) -> None:
    """Store the changed contact details at once (inside the save's transaction), each audited."""
    changed = {name: cleaned[name] for name in CONTACT_FIELDS
               if name in cleaned and cleaned[name] != current.contact.get(name, "")}
    if not changed:
        return
    Owner.update({getattr(Owner, name): value for name, value in changed.items()}).where(
        Owner.id == current.owner_id).execute()
    for name, value in changed.items():
        audit.record("owner.changed", "owner", current.code,
                     {"field": name, "old": current.contact.get(name, ""), "new": value})


def invoices_failing_ocr(owner_id: int, control: OcrControl) -> str:
    """Why ``control`` cannot be the owner's level ("" when it can): the open invoices whose OCR
    number it refuses, counted, the first named."""
    query = (Invoice.select(Invoice.number, Invoice.ocr)
             .where((Invoice.owner == owner_id) & (Invoice.balance != 0)).order_by(Invoice.number))
    failing = [(number, ocr) for number, ocr in tuple_rows(query) if ocr and not is_valid_ocr(ocr, control)]
    if not failing:
        return ""
    number, ocr = failing[0]
    more = f" och {len(failing) - 1} till" if len(failing) > 1 else ""
    return (f"OCR-numret {ocr} på faktura {number}{more} klarar inte {control.label.lower()}; "
            "välj den kontroll avtalet med banken har")


def _key_part(name: str) -> str:
    """A field in a proposal's key: "bankgiro", "plusgiro", "account.Bank"."""
    return name if name in GIRO_FIELDS else f"account.{name}"


def store_approved(owner_id: int, name: str, value: str, proposal_id: int) -> None:
    """Put an approved proposal's value in force (inside the approval's transaction), audited
    with the proposal's number."""
    current = owner_accounts(owner_id)
    if name in GIRO_FIELDS:
        old = getattr(current, name)
        Owner.update({getattr(Owner, name): value or None}).where(Owner.id == owner_id).execute()
        audit.record("owner.changed", "owner", current.code,
                     {"field": name, "old": old, "new": value, "proposal": proposal_id})
        return
    old = current.accounts.get(name, "")
    if not value:
        Account.delete().where((Account.owner == owner_id) & (Account.role == name)).execute()
    elif old:
        Account.update(number=value).where((Account.owner == owner_id) & (Account.role == name)).execute()
    else:
        Account.create(owner=owner_id, role=name, number=value, name=name)
    audit.record("owner.changed", "owner", current.code,
                 {"field": "account", "role": name, "old": old, "new": value, "proposal": proposal_id})
