"""Four eyes on payment routing and data egress (issue 17): proposals and their approval.

Some values decide where money is booked or where files with personnummer go: the agency's
bankgiro/plusgiro numbers (payments from them count as the agency's), the upload server and the
files its login is read from, the e-mail server, an owner's bankgiro/plusgiro and its account for
each role, and who gets a scheduled service's e-mail. A change to one of them is stored as a
proposal (:func:`propose`, called by ``services.settings``, ``services.owner_accounts`` and
``services.scheduled`` in their own transaction); the old value stays in force until another
administrator approves it (:func:`approve`). Nobody approves their own proposal; the proposer or
another administrator may reject it (:func:`reject`). Proposing, approving and rejecting are in
the audit log, and the change itself is audited as any change of the value is, naming the
proposal.

* A newer proposal for the same value replaces a waiting one (which is marked replaced); a
  proposal of the value in force withdraws a waiting one.
* A proposal whose value was changed meanwhile (another proposal approved first, a ledger import
  creating what it changes) cannot be approved: the approver is told to propose again.
* A ledger with one administrator can propose but not approve: the proposal waits until a second
  administrator is added (Inställningar → Användare) and approves it. The proposer is told so
  when proposing (:attr:`ProposalInfo.waits_for_second_admin`).
* A ledger import never changes these values (``services.ledger_import``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tui_inkasso.db.models import Owner, Proposal, ScheduledService, StaffUser
from tui_inkasso.domain.codes import ProposalStatus, StaffRole, proposal_status_label
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.errors import Conflict, NotFound
from tui_inkasso.services.permissions import PermissionRefused, reads, requires
from tui_inkasso.services.transaction import write_transaction

SETTING = "setting"
OWNER = "owner"
SERVICE = "service"
KINDS = (SETTING, OWNER, SERVICE)
"""What a proposal may change: a setting, an owner's giro number or account, a scheduled
service's e-mail recipients."""

RECIPIENTS = "notify_emails"
"""The field of a scheduled service a proposal changes."""


@dataclass(frozen=True)
class ProposalInfo:
    """One proposal as staff and scripts see it."""

    id: int
    kind: str
    target: str
    field: str
    key: str
    old: str
    new: str
    status: str
    proposed_by: str
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    label: str
    """What the value is, in words ("FTP-server (ftp://, ftps://, sftp://)", "BAB: Bankgiro")."""
    waits_for_second_admin: bool = False
    """True when the ledger has no administrator but the proposer to approve it."""

    @property
    def status_label(self) -> str:
        """"Väntar", "Godkänd", "Avslagen" or "Ersatt"."""
        return proposal_status_label(self.status)

    @property
    def old_text(self) -> str:
        """The old value as staff read it."""
        return shown_value(self.kind, self.field or self.target, self.old)

    @property
    def new_text(self) -> str:
        """The proposed value as staff read it."""
        return shown_value(self.kind, self.field or self.target, self.new)

    def as_json(self) -> dict[str, str | int | None]:
        """The fields ``approvals list --json`` prints (codes and stored values, times ISO)."""
        return {"id": self.id, "key": self.key, "old": self.old, "new": self.new,
                "proposed_by": self.proposed_by, "proposed_at": self.proposed_at.isoformat(sep=" "),
                "status": self.status, "label": self.label}


def shown_value(kind: str, name: str, value: str) -> str:
    """A stored value in words: a setting as its form shows it, a giro number formatted, nothing
    as "(tomt)"."""
    if value == "":
        return "(tomt)"
    if kind == SETTING:
        from tui_inkasso.services.setting_keys import display_value

        return display_value(name, value)
    if kind == OWNER and name in ("bankgiro", "plusgiro"):
        from tui_inkasso.domain.identifiers import format_bankgiro, format_plusgiro

        return format_bankgiro(value) if name == "bankgiro" else format_plusgiro(value)
    if kind == SERVICE:
        return value.replace(",", ", ")
    return value


# --------------------------------------------------------------------------- proposing


def propose(kind: str, target: str, field: str, key: str, old: str, new: str) -> ProposalInfo | None:
    """Store a proposal to change a value from ``old`` (in force) to ``new``, inside the
    caller's transaction and permission check (the caller is the admin's entry point).

    A waiting proposal for the same value is replaced; ``new`` equal to ``old`` only withdraws
    it. Returns the new proposal, or None when nothing new was proposed (the value in force
    proposed, or the same change already waiting: a second import of a file proposes nothing)."""
    same = Proposal.get_or_none((Proposal.kind == kind) & (Proposal.target == target) & (Proposal.field == field)
                                & (Proposal.status == ProposalStatus.PENDING.value)
                                & (Proposal.old_value == old) & (Proposal.new_value == new))
    if same is not None:
        return None
    withdraw(kind, target, field)
    if new == old:
        return None
    row = Proposal.create(kind=kind, target=target, field=field, key=key, old_value=old, new_value=new,
                          status=ProposalStatus.PENDING.value, proposed_by=current_user(), proposed_at=now())
    audit.record("approval.proposed", "proposal", row.id, {"key": key, "old": old, "new": new})
    return _info(row)


def withdraw(kind: str, target: str, field: str | None = None) -> None:
    """Mark the waiting proposals of a value (every field of ``target`` when ``field`` is None)
    replaced, audited: a newer proposal, the old value proposed again, or the thing deleted."""
    user, at = current_user(), now()
    query = Proposal.select().where((Proposal.kind == kind) & (Proposal.target == target)
                                    & (Proposal.status == ProposalStatus.PENDING.value))
    if field is not None:
        query = query.where(Proposal.field == field)
    for earlier in query:
        Proposal.update(status=ProposalStatus.SUPERSEDED.value, decided_by=user, decided_at=at).where(
            Proposal.id == earlier.id).execute()
        audit.record("approval.superseded", "proposal", earlier.id, {"key": earlier.key, "new": earlier.new_value})


def _other_admins(user: str) -> int:
    return StaffUser.select().where((StaffUser.role == StaffRole.ADMIN.value) & (StaffUser.login != user)).count()


# --------------------------------------------------------------------------- reading


@reads
def list_approvals(*, status: str | None = ProposalStatus.PENDING.value, limit: int = 500) -> list[ProposalInfo]:
    """Proposals, newest first: the waiting ones by default, every one with ``status=None``."""
    query = Proposal.select().order_by(Proposal.proposed_at.desc(), Proposal.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Proposal.status == status)
    return [_info(row) for row in query]


@reads
def pending_for(kind: str, target: str) -> dict[str, ProposalInfo]:
    """The waiting proposals of one thing (a setting key, an owner's id, a service's id), by
    field (a setting's by its key): for a form that shows what waits beside what is in force."""
    query = Proposal.select().where((Proposal.kind == kind) & (Proposal.status == ProposalStatus.PENDING.value))
    if target:
        query = query.where(Proposal.target == target)
    return {(row.field or row.target): _info(row) for row in query.order_by(Proposal.id)}


@reads
def get_approval(proposal_id: int) -> ProposalInfo:
    """One proposal (NotFound naming it)."""
    return _info(_row(proposal_id))


def _row(proposal_id: int) -> Proposal:
    row = Proposal.get_or_none(Proposal.id == proposal_id)
    if row is None:
        raise NotFound(f"förslag {proposal_id} finns inte")
    return row


def _info(row: Proposal) -> ProposalInfo:
    waits = row.status == ProposalStatus.PENDING.value and _other_admins(row.proposed_by) == 0
    return ProposalInfo(row.id, row.kind, row.target, row.field, row.key, row.old_value, row.new_value, row.status,
                        row.proposed_by, row.proposed_at, row.decided_by, row.decided_at,
                        _label(row.kind, row.target, row.field), waits)


def _label(kind: str, target: str, field: str) -> str:
    if kind == SETTING:
        from tui_inkasso.services.setting_keys import SETTINGS

        definition = SETTINGS.get(target)
        return definition.label if definition else target
    if kind == OWNER:
        owner = Owner.get_or_none(Owner.id == int(target))
        name = owner.code if owner else f"ägare {target}"
        what = {"bankgiro": "Bankgiro", "plusgiro": "Plusgiro"}.get(field, f"Konto för {field}")
        return f"{name}: {what}"
    service = ScheduledService.get_or_none(ScheduledService.id == int(target))
    return f"{service.name if service else f'Tjänst {target}'}: E-post till"


# --------------------------------------------------------------------------- deciding


@requires(StaffRole.ADMIN, "godkänna ändringar av betalningsvägar och mottagare")
def approve(proposal_id: int) -> ProposalInfo:
    """Put a waiting proposal in force, as another administrator than its proposer: the value is
    changed and audited in one transaction with the decision."""
    user = current_user()
    with write_transaction():
        row = _pending(proposal_id)
        if row.proposed_by == user:
            raise PermissionRefused(
                f"förslag {row.id} lades av {user} själv: en annan administratör måste godkänna det"
                + ("" if _other_admins(user) else
                   " (reskontran har ingen annan administratör; lägg till en under Inställningar → Användare)"))
        in_force = value_in_force(row.kind, row.target, row.field)
        if in_force != row.old_value:
            raise Conflict(
                f"förslag {row.id} ({_label(row.kind, row.target, row.field)}) gällde värdet "
                f"{shown_value(row.kind, row.field or row.target, row.old_value)!r}, men nu gäller "
                f"{shown_value(row.kind, row.field or row.target, in_force)!r}: avslå det och föreslå ändringen igen")
        _apply(row)
        Proposal.update(status=ProposalStatus.APPROVED.value, decided_by=user, decided_at=now()).where(
            Proposal.id == row.id).execute()
        audit.record("approval.approved", "proposal", row.id,
                     {"key": row.key, "old": row.old_value, "new": row.new_value, "proposed_by": row.proposed_by})
        return _info(_row(row.id))


@requires(StaffRole.ADMIN, "avslå ändringar av betalningsvägar och mottagare")
def reject(proposal_id: int) -> ProposalInfo:
    """Turn a waiting proposal down (its proposer may withdraw it so, too); the value in force
    stays."""
    with write_transaction():
        row = _pending(proposal_id)
        Proposal.update(status=ProposalStatus.REJECTED.value, decided_by=current_user(), decided_at=now()).where(
            Proposal.id == row.id).execute()
        audit.record("approval.rejected", "proposal", row.id,
                     {"key": row.key, "old": row.old_value, "new": row.new_value, "proposed_by": row.proposed_by})
        return _info(_row(row.id))


def _pending(proposal_id: int) -> Proposal:
    row = _row(proposal_id)
    if row.status != ProposalStatus.PENDING.value:
        raise Conflict(f"förslag {row.id} väntar inte längre: det är {proposal_status_label(row.status).lower()}"
                       + (f" av {row.decided_by}" if row.decided_by else ""))
    return row


def value_in_force(kind: str, target: str, field: str) -> str:
    """The value a proposal would change, as it is stored now ("" for none)."""
    if kind == SETTING:
        from tui_inkasso.services.settings import get_setting

        return get_setting(target)
    if kind == OWNER:
        from tui_inkasso.services.owner_accounts import owner_accounts

        owner = owner_accounts(int(target))
        return getattr(owner, field) if field in ("bankgiro", "plusgiro") else owner.accounts.get(field, "")
    service = ScheduledService.get_or_none(ScheduledService.id == int(target))
    if service is None:
        raise NotFound(f"den schemalagda tjänsten {target} finns inte längre")
    return service.notify_emails


def _apply(row: Proposal) -> None:
    """Change the value as the proposal says, through the module that owns it."""
    if row.kind == SETTING:
        from tui_inkasso.services.settings import store_approved

        store_approved(row.target, row.new_value, row.id)
    elif row.kind == OWNER:
        from tui_inkasso.services.owner_accounts import store_approved as store_owner_value

        store_owner_value(int(row.target), row.field, row.new_value, row.id)
    else:
        from tui_inkasso.services.scheduled import store_approved_recipients

        store_approved_recipients(int(row.target), row.new_value, row.id)
