"""What an application for eviction to Kronofogden needs, for a tenancy not recovered
(``tui-inkasso arrears summary``, ``p`` in Uppsagda hyresavtal), and the letters as sent.

The summary names the parties, the dwelling or premises, the ground (rent unpaid past the limit
of 12 kap. 42 §), the termination, how and when the tenant was served, when socialnämnden got its
notice, the recovery period and its last day, the earliest day eviction can be decided, every
payment since the termination (in time or late: a late full payment may still matter to the
court under 44 §), and what is open today (rent, fees, interest: an application for a payment
order can go with it). Only a termination that was not recovered gets one; for the others the
refusal says why.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tui_inkasso.db.models import Customer, Invoice, Owner, Property, RentalObject, Termination
from tui_inkasso.db.rows import tuple_rows
from tui_inkasso.domain.money import format_amount
from tui_inkasso.domain.rent_arrears import RecoveryState, premises_code, service_method_label
from tui_inkasso.fileio import make_folder, write_bytes_atomic
from tui_inkasso.formats.rent_arrears_docs import (
    DocumentError,
    EvictionSummary,
    Party,
    PaymentLine,
    RentLine,
    SocialnamndNotice,
    TerminationLetter,
    as_plain,
    letter_pages,
    render_pdf,
    render_text,
    socialnamnd_pages,
    summary_pages,
)
from tui_inkasso.services.clock import now
from tui_inkasso.services.dunning_letter import owner_address
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.permissions import reads
from tui_inkasso.services.termination_state import TerminationView, termination_for


class SummaryError(UserError):
    """No summary for this tenancy (it was recovered, or the period has not ended)."""


@reads
def eviction_summary(contract_number: str, on: dt.date) -> EvictionSummary:
    """The summary of a tenancy not recovered on ``on``; SummaryError saying why not otherwise."""
    view = termination_for(contract_number, on)
    if view.state is not RecoveryState.NOT_RECOVERED:
        raise SummaryError(f"hyresavtal {contract_number}: {view.state_text}; underlag för avhysning finns "
                           "bara när hyran inte betalades inom återvinningsfristen")
    return _summary(view, on)


def _summary(view: TerminationView, on: dt.date) -> EvictionSummary:
    row = Termination.get_by_id(view.id)
    owner: Owner = row.owner
    customer: Customer = row.customer
    obj: RentalObject = row.rental_object
    prop: Property = obj.property
    ids = [r.invoice_id for r in view.rents]
    open_rows = list(tuple_rows(Invoice.select(Invoice.balance, Invoice.fees, Invoice.interest)
                                .where(Invoice.id.in_(ids))))
    last = view.last_day
    letter = TerminationLetter.from_json(row.letter)
    return EvictionSummary(
        contract_number=view.contract_number, premises=premises_code(view.premises),
        state_label=view.state_text,
        landlord=Party(owner.name, owner.org_no, owner_address(owner), owner.phone, owner.email),
        tenant=Party(customer.name, customer.national_id,
                     tuple(x for x in (customer.address, f"{customer.postal_code} {customer.city}".strip()) if x),
                     customer.phone, customer.email),
        object_code=obj.code, object_address=obj.address or obj.code,
        property_designation=prop.designation, municipality=view.municipality,
        terminated_on=view.terminated_on, served_on=view.served_on,
        served_how=service_method_label(view.served_how),
        socialnamnd_received_on=view.socialnamnd_received_on, last_day=last,
        eviction_from=view.recovery.eviction_from,
        rents=tuple(RentLine(r.invoice_number, r.due_date, "", r.amount) for r in view.rents) or letter.rents,
        recovery_amount_ore=view.recovery_amount, paid_in_time_ore=view.recovery.paid_in_time,
        payments=tuple(PaymentLine(day, amount, last is None or day <= last) for day, amount in view.payments),
        open_capital_ore=sum(r[0] for r in open_rows), open_fees_ore=sum(r[1] for r in open_rows),
        open_interest_ore=sum(r[2] for r in open_rows), made_on=on,
    )


def summary_data(summary: EvictionSummary) -> dict[str, Any]:
    """The summary as JSON-able data: dates ISO, amounts as strings "1234.50" (keys without the
    ``_ore`` of the stored form)."""
    return _amounts_as_text(as_plain(summary))


def _amounts_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:-4] if k.endswith("_ore") else k): (format_amount(v) if k.endswith("_ore") else _amounts_as_text(v))
                for k, v in value.items() if k != "format"}
    if isinstance(value, list):
        return [_amounts_as_text(v) for v in value]
    return value


def summary_text(summary: EvictionSummary) -> str:
    """The summary as the terminal shows it (the same words as the PDF)."""
    return render_text(summary_pages(summary))


@reads
def write_summary_pdf(summary: EvictionSummary, path: Path) -> Path:
    """The summary as a PDF at ``path`` (written whole or not at all)."""
    data = render_pdf([summary_pages(summary)], created_at=now(),
                      title=f"Underlag för ansökan om avhysning {summary.contract_number}")
    return _write(Path(path), data)


def _write(path: Path, data: bytes) -> Path:
    """``data`` at ``path``, whole or not at all; its folder is made when missing."""
    target = path.expanduser().absolute()
    try:
        make_folder(target.parent)
        return write_bytes_atomic(target, data)
    except OSError as exc:
        raise SummaryError(f"PDF:en {target} kunde inte skrivas: {exc.strerror or exc}") from None


def sent_documents(contract_number: str, on: dt.date) -> tuple[TerminationLetter, SocialnamndNotice | None]:
    """The termination letter (with its notice of recovery) and the notice to socialnämnden as
    they were sent, from what the termination stored."""
    view = termination_for(contract_number, on)
    row = Termination.get_by_id(view.id)
    try:
        letter = TerminationLetter.from_json(row.letter)
        notice = SocialnamndNotice.from_json(row.notice) if row.notice else None
    except DocumentError as exc:
        raise UserError(f"hyresavtal {contract_number}: {exc}") from None
    return letter, notice


def sent_text(contract_number: str, on: dt.date) -> str:
    """The letters as sent, as text (the preview of a reprint)."""
    letter, notice = sent_documents(contract_number, on)
    pages = letter_pages(letter) + (socialnamnd_pages(notice) if notice else [])
    return render_text(pages)


@reads
def reprint(contract_number: str, on: dt.date, path: Path) -> Path:
    """The letters as sent, again, as one PDF at ``path``."""
    letter, notice = sent_documents(contract_number, on)
    documents = [letter_pages(letter)] + ([socialnamnd_pages(notice)] if notice else [])
    data = render_pdf(documents, created_at=now(), title=f"Uppsägning {contract_number}")
    return _write(Path(path), data)
