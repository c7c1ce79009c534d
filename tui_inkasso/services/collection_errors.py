"""Why a step of the collection run was refused: the errors every collection module raises.

A refusal is a :class:`CollectionError` whose message says what to do; an invoice that someone
else took meanwhile (put in a case, excluded, paid) is a :class:`TakenInvoice`, and a run that
finds some is refused whole with :class:`InvoicesTaken` naming each one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_inkasso.services.errors import Conflict, UserError

TAKEN_SHOWN = 20
"""Invoices named one by one in a conflict message (the rest are counted)."""


class CollectionError(UserError):
    """A collection run, exclusion or export that cannot be done; the message says why."""

    exit_code = 1


@dataclass(frozen=True)
class TakenInvoice:
    """An invoice that could not be put in a case, and why (in Swedish)."""

    invoice_id: int
    number: str
    reason: str


class InvoicesTaken(Conflict):
    """Some invoices were taken (put in a case, excluded, paid) since the list was shown.

    Nothing was written; ``invoices`` names each one with the reason, so the screen can refresh
    and offer to go on without them.
    """

    def __init__(self, invoices: list[TakenInvoice]) -> None:
        self.invoices = invoices
        named = ", ".join(f"{t.number} ({t.reason})" for t in invoices[:TAKEN_SHOWN])
        more = f" och {len(invoices) - TAKEN_SHOWN} till" if len(invoices) > TAKEN_SHOWN else ""
        super().__init__(
            f"{len(invoices)} av fakturorna kan inte längre gå till inkasso: {named}{more}. "
            "Någon annan kan ha skapat ärenden samtidigt. Inget har skapats; uppdatera listan "
            "och försök igen utan dem."
        )

    @property
    def invoice_ids(self) -> list[int]:
        """The ids of the invoices taken."""
        return [t.invoice_id for t in self.invoices]

    @property
    def numbers(self) -> list[str]:
        """The numbers of the invoices taken."""
        return [t.number for t in self.invoices]
