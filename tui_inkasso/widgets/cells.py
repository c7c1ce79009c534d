"""How values look in tables: amounts "1 234,50", ISO dates, statuses in colour.

Every cell is a ``rich.text.Text``: plain ``str`` cells would be read as Rich markup, and text
from files or the database ("Värme [el]") would lose its brackets.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from tui_inkasso.domain.invoice_status import InvoiceStatus
from tui_inkasso.domain.money import format_sek

STATUS_STYLES = {
    InvoiceStatus.OPEN: "",
    InvoiceStatus.OVERDUE: "bold",
    InvoiceStatus.PARTLY_PAID: "",
    InvoiceStatus.PAID: "dim",
    InvoiceStatus.REMINDER: "yellow",
    InvoiceStatus.DEMAND: "bold yellow",
    InvoiceStatus.COLLECTION: "bold red",
    InvoiceStatus.EXCLUDED: "magenta",
}
"""ANSI colour names, so both the dark and the light theme keep them readable."""


def text(value: object) -> Text:
    """Any value as literal text (no markup); None is empty."""
    return Text("" if value is None else str(value))


def amount(ore: int | None) -> Text:
    """Öre as Swedish kronor, "1 234,50"; negative amounts in red."""
    if ore is None:
        return Text("")
    return Text(format_sek(ore), style="red" if ore < 0 else "", justify="right")


def date(value: dt.date | dt.datetime | None) -> Text:
    """An ISO date (a datetime to the minute), or empty."""
    if value is None:
        return Text("")
    if isinstance(value, dt.datetime):
        return Text(value.strftime("%Y-%m-%d %H:%M"))
    return Text(value.isoformat())


def status(value: InvoiceStatus) -> Text:
    """The Swedish status, coloured by how serious it is."""
    return Text(value.label, style=STATUS_STYLES.get(value, ""))


def flag(on: bool, label: str = "Ja") -> Text:
    """A yes/no column: the label when set, empty otherwise."""
    return Text(label if on else "")
