"""Settings as stored: read a key's value, save values (four eyes for the routing keys), and
the typed values the services ask for (the collection system, the output folder ...).

The keys themselves, their defaults and validators are ``services/setting_keys.py``; a value is
validated there before it is stored here, by the CLI (`tui-inkasso settings`) and the settings
screens alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tui_inkasso.db.models import Setting
from tui_inkasso.domain import settlement
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.collection_systems import CollectionSystemSpec, system_spec
from tui_inkasso.fileio import make_folder
from tui_inkasso.services import audit
from tui_inkasso.services.clock import current_user, now
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.setting_keys import (
    SETTINGS,
    SettingError,
    default_output_dir,
    setting_key,
    validate_setting,
)
from tui_inkasso.services.transaction import write_transaction

if TYPE_CHECKING:
    from tui_inkasso.services.approvals import ProposalInfo



@reads
def get_setting(key: str) -> str:
    """The stored value of ``key``, or its default."""
    definition = setting_key(key)
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row is not None else definition.default_value()


@reads
def all_settings() -> dict[str, str]:
    """Every known key with its current value."""
    stored = {row.key: row.value for row in Setting.select()}
    return {key: stored[key] if key in stored else definition.default_value() for key, definition in SETTINGS.items()}




FOUR_EYES_KEYS = frozenset({
    "collection.agency_accounts", "collection.upload_url", "collection.upload_password_file",
    "collection.upload_key_file", "collection.upload_ca_file", "collection.upload_known_hosts",
    "mail.host", "mail.port", "mail.starttls", "mail.user",
})
"""Settings that decide where payments are booked and where files and mail go (payment routing
and data egress, issue 17): a change is a proposal that another administrator approves
(``services.approvals``); until then the old value stays in force. A ledger import never sets
them (``services.ledger_import``)."""


@dataclass(frozen=True)
class SavedSettings:
    """What a save did: every value in its stored form, and the proposals made for the keys of
    :data:`FOUR_EYES_KEYS` whose change waits for a second administrator."""

    values: dict[str, str]
    proposals: list[ProposalInfo] = field(default_factory=list)


@requires(StaffRole.ADMIN, "ändra inställningar")
def set_setting(key: str, value: str) -> str:
    """Validate and store one setting (or propose it, see :func:`save_settings`); returns the
    stored form."""
    return save_settings({key: value}).values[key]


@requires(StaffRole.ADMIN, "ändra inställningar")
def set_settings(values: dict[str, str]) -> dict[str, str]:
    """Validate every value first, then store them all in one transaction (all or nothing); a
    key of :data:`FOUR_EYES_KEYS` is proposed instead (:func:`save_settings`)."""
    return save_settings(values).values


@requires(StaffRole.ADMIN, "ändra inställningar")
def save_settings(values: dict[str, str]) -> SavedSettings:
    """Validate every value first, then in one transaction store the changed ones and propose
    the changed keys of :data:`FOUR_EYES_KEYS` (their old value stays in force until another
    administrator approves); each change audited."""
    from tui_inkasso.services import approvals

    cleaned = {key: validate_setting(key, value) for key, value in values.items()}
    proposals: list[ProposalInfo] = []
    with write_transaction():
        for key, value in cleaned.items():
            old = get_setting(key)
            if key in FOUR_EYES_KEYS:
                proposal = approvals.propose(approvals.SETTING, key, "", key, old, value)
                if proposal is not None:
                    proposals.append(proposal)
                continue
            if old == value and Setting.get_or_none(Setting.key == key) is not None:
                continue
            _store(key, value)
            audit.record("setting.changed", "setting", key, {"old": old, "new": value})
    return SavedSettings(cleaned, proposals)


def save_new_ledger_settings(values: dict[str, str]) -> SavedSettings:
    """For a ledger being built (the demo, inside its admin's transaction): a key of
    :data:`FOUR_EYES_KEYS` that was never set in this ledger is stored at once, there being no
    routing yet to protect; one set before is proposed, as :func:`save_settings` does."""
    fresh = {key: validate_setting(key, value) for key, value in values.items()
             if key in FOUR_EYES_KEYS and Setting.get_or_none(Setting.key == key) is None}
    for key, value in fresh.items():
        _store(key, value)
        audit.record("setting.changed", "setting", key, {"old": "", "new": value})
    return save_settings({key: value for key, value in values.items() if key not in fresh})


def store_approved(key: str, value: str, proposal_id: int) -> None:
    """Put an approved proposal's value in force (inside the approval's transaction), audited
    with the proposal's number. The value is checked again: a file it names may have gone."""
    old = get_setting(key)
    _store(key, validate_setting(key, value))
    audit.record("setting.changed", "setting", key, {"old": old, "new": value, "proposal": proposal_id})


def _store(key: str, value: str) -> None:
    at, user = now(), current_user()
    Setting.insert(key=key, value=value, changed_at=at, changed_by=user).on_conflict(
        conflict_target=[Setting.key],
        update={Setting.value: value, Setting.changed_at: at, Setting.changed_by: user},
    ).execute()


@reads
def collection_system() -> CollectionSystemSpec:
    """The collection system in use."""
    return system_spec(get_setting("collection.system"))


def agency_accounts() -> frozenset[str]:
    """The agency's bankgiro/plusgiro numbers as bare digits."""
    return frozenset(n for n in get_setting("collection.agency_accounts").split(";") if n)


def output_dir() -> Path:
    """The folder for collection and balance files (created when missing; a relative value
    stored by an older version is taken from the documents folder, as the setting now is)."""
    folder = Path(get_setting("collection.output_dir")).expanduser()
    if not folder.is_absolute():
        folder = Path(default_output_dir()).parent / folder
    try:
        make_folder(folder)  # the owner's, or the staff group's (services.file_access)
    except OSError as exc:
        raise SettingError(
            f"mappen för inkassofiler {folder} kan inte skapas: {exc.strerror or exc}; "
            "ändra den under Inställningar, Alternativ – Inkasso"
        ) from None
    return folder


def settlement_order() -> settlement.SettlementOrder:
    """The order a payment settles a claim's parts in (``payments.settlement_order``)."""
    return settlement.parse_order(get_setting("payments.settlement_order"))


def late_interest_minimum() -> int:
    """``payments.late_interest_min`` in öre: late interest below it is written off, not charged."""
    from tui_inkasso.domain.money import parse_amount

    return parse_amount(get_setting("payments.late_interest_min"))
