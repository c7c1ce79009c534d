"""The standard selection narrows invoices the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_customer, make_invoice, make_object, make_owner
from tui_inkasso.db.models import Invoice, Property
from tui_inkasso.services.selection import (
    Selection,
    SelectionError,
    apply_selection,
    selection_choices,
    validate_selection,
)


def _numbers(selection: Selection) -> set[str]:
    return {i.number for i in apply_selection(Invoice.select(), selection)}


@pytest.fixture
def ledger(any_db: str) -> None:
    other = make_owner("FAB", name="Fastighets AB Norr", org_no="559012-3450", overpayment_account=False)
    home = make_object("1001-1101", sfi="bostad")
    garage = make_object("2001-G03", sfi="garage", owner=other)
    Property.update(area="Norr").where(Property.owner == other).execute()
    anna = make_customer("K1001")
    bengt = make_customer("K2001", name="Bengt Berg", national_id="19850612-1238")
    make_invoice("100", rental_object=home, customer=anna, due_date=dt.date(2026, 8, 31))
    make_invoice("101", rental_object=home, customer=anna, kind="direct", due_date=dt.date(2026, 9, 30))
    make_invoice("200", rental_object=garage, customer=bengt, due_date=dt.date(2026, 10, 31))


def test_empty_selection_selects_all(ledger: None) -> None:
    assert _numbers(Selection()) == {"100", "101", "200"}
    assert Selection().describe() == "Alla fakturor"


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(owners=("FAB",)), {"200"}),
        (Selection(properties=("P-BAB",)), {"100", "101"}),
        (Selection(areas=("Norr",)), {"200"}),
        (Selection(object_types=("GAR",)), {"200"}),
        (Selection(customers=("K1001",)), {"100", "101"}),
        (Selection(kinds=("direct",)), {"101"}),
        (Selection(due_from=dt.date(2026, 9, 1)), {"101", "200"}),
        (Selection(due_to=dt.date(2026, 9, 30), kinds=("rent",)), {"100"}),
    ],
)
def test_each_criterion(ledger: None, selection: Selection, expected: set[str]) -> None:
    validate_selection(selection)
    assert _numbers(selection) == expected


def test_unknown_codes_are_named(ledger: None) -> None:
    with pytest.raises(SelectionError, match="okänd ägare: XYZ; okänt område: Väster"):
        validate_selection(Selection(owners=("XYZ",), areas=("Väster",)))
    with pytest.raises(SelectionError, match="förfallodag från är efter"):
        validate_selection(Selection(due_from=dt.date(2026, 2, 1), due_to=dt.date(2026, 1, 1)))


def test_round_trip_and_choices(ledger: None) -> None:
    selection = Selection(owners=("BAB",), kinds=("rent",), due_to=dt.date(2026, 9, 30))
    assert Selection.from_dict(selection.to_dict()) == selection
    assert "Hyresfakturor" in selection.describe()
    choices = selection_choices()
    assert [c.value for c in choices.owners] == ["BAB", "FAB"]
    assert [c.value for c in choices.areas] == ["Centrum", "Norr"]
