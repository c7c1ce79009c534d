"""The ledger file's reader (formats/ledger_json.py) on its own: no database, problems as (path, reason)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import SHARED_DOCS
from tui_inkasso.db.models import (
    Contract,
    Customer,
    DunningLevelConfig,
    Invoice,
    InvoiceRow,
    ObjectType,
    Owner,
    Payment,
    Property,
    RentalObject,
)
from tui_inkasso.formats.ledger_json import (
    MAX_LENGTH,
    LedgerFileError,
    Problem,
    parse_json,
    payment_key,
    read_ledger,
)

EXAMPLE = SHARED_DOCS / "ledger-import-example.json"

COLUMNS = {
    "dunning_levels.name": DunningLevelConfig.name,
    "owners.id": Owner.code, "owners.name": Owner.name, "owners.address": Owner.address,
    "owners.postal_code": Owner.postal_code, "owners.city": Owner.city, "owners.phone": Owner.phone,
    "owners.email": Owner.email,
    "properties.id": Property.code, "properties.owner": Owner.code,
    "properties.designation": Property.designation, "properties.name": Property.name,
    "properties.area": Property.area,
    "object_types.code": ObjectType.code, "object_types.name": ObjectType.name,
    "objects.id": RentalObject.code, "objects.property": Property.code, "objects.type": ObjectType.code,
    "objects.address": RentalObject.address,
    "customers.id": Customer.number, "customers.name": Customer.name, "customers.address": Customer.address,
    "customers.postal_code": Customer.postal_code, "customers.city": Customer.city,
    "customers.email": Customer.email, "customers.phone": Customer.phone,
    "contracts.id": Contract.number, "contracts.customer": Customer.number, "contracts.object": RentalObject.code,
    "invoices.contract": Contract.number,
    "invoices.number": Invoice.number, "invoices.customer": Customer.number,
    "invoices.object": RentalObject.code, "invoices.owner": Owner.code, "invoices.ocr": Invoice.ocr,
    "invoices.rows.text": InvoiceRow.text,
    "payments.invoice": Invoice.number, "payments.reference": Payment.reference,
    "payments.sender_account": Payment.sender_account, "payments.payer_name": Payment.payer_name,
}
"""Each text field of the file -> the column its value is stored in (or the key it names)."""


def _example() -> dict[str, Any]:
    return parse_json(EXAMPLE.read_bytes())


def test_every_length_limit_is_the_column_it_is_stored_in() -> None:
    assert set(MAX_LENGTH) == set(COLUMNS)
    assert {name: MAX_LENGTH[name] for name in COLUMNS} == {n: f.max_length for n, f in COLUMNS.items()}


def test_the_example_reads_without_problems_and_without_a_database() -> None:
    ledger, problems = read_ledger(_example())
    assert problems == []
    assert [len(x) for x in (ledger.levels, ledger.owners, ledger.properties, ledger.object_types,
                              ledger.objects, ledger.customers, ledger.invoices, ledger.payments)] == [
        2, 2, 2, 6, 6, 3, 8, 3]
    invoice = next(i for i in ledger.invoices if i.number == "100236")
    assert (invoice.amount, invoice.rows[1]) == (1875000, ("Moms 25 %", 375000))
    assert ledger.declared["customers"] == {"K1001", "K1002", "K2001"}


def test_the_reader_needs_neither_peewee_nor_the_services() -> None:
    code = ("import sys, tui_inkasso.formats.ledger_json\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'peewee'"
            " or m.startswith(('tui_inkasso.db', 'tui_inkasso.services')))\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_problems_are_json_paths_with_reasons() -> None:
    data = _example()
    data["customers"][0]["national_id"] = "800101-0002"
    data["invoices"][5]["rows"][0]["text"] = "x" * 201
    data["payments"][0]["colour"] = "blue"
    data["settings"] = {"collection.system": 7}
    _, problems = read_ledger(data)
    assert all(isinstance(p, Problem) for p in problems)
    assert [p.path for p in problems] == [
        "settings.collection.system", "customers[0].national_id", "invoices[5].rows[0].text",
        "payments[0].colour"]
    assert str(problems[2]) == "invoices[5].rows[0].text: längre än 200 tecken"


def test_a_setting_is_checked_by_the_callers_rule() -> None:
    def only_yes(key: str, value: str) -> str:
        if value != "ja":
            raise ValueError(f"ska vara ja, inte {value!r}")
        return value.upper()

    ledger, problems = read_ledger({"format": "tui-inkasso-ledger/1", "settings": {"a": "ja", "b": "nej"}},
                                   only_yes)
    assert ledger.settings == {"a": "JA"}
    assert problems == [Problem("settings.b", "ska vara ja, inte 'nej'")]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"\xff{}", "inte UTF-8-text (byte 0)"), (b'{"format": ', "ogiltig JSON på rad 1, kolumn 12")],
)
def test_bytes_that_are_no_json_are_one_problem_with_the_file(raw: bytes, reason: str) -> None:
    with pytest.raises(LedgerFileError) as caught:
        parse_json(raw)
    assert caught.value.problems == [Problem("(filen)", reason)]


def test_a_payment_key_is_the_documented_hash() -> None:
    ledger, _ = read_ledger(_example())
    payment = ledger.payments[0]
    text = (f"{payment.invoice}|{payment.date.isoformat()}|{payment.amount}|{payment.method}|"
            f"{payment.kind}|{payment.reference}|1")
    assert payment_key(payment, 1) == "import:" + hashlib.sha256(text.encode()).hexdigest()[:40]
    assert payment_key(payment, 0) != payment_key(payment, 1)


def test_a_file_that_is_not_an_object_is_one_problem() -> None:
    assert read_ledger(json.loads("[1, 2]"))[1] == [Problem("(filen)", "ska vara ett JSON-objekt, inte en lista")]
