"""Malformed ledger files and settings a ledger may not set (issue 14, items 9 and 11).

Every input here is refused with one clear line per problem, ``path: reason``, and nothing is
written; none gives a Python traceback. The last tests throw a few hundred random mutations of
the shared example at the import (on SQLite, and fewer on PostgreSQL) and accept only an import
or a refusal whose every line names a path.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.common import run
from tests.conftest import SHARED_DOCS
from tests.staff import data_rows
from tui_inkasso.services import setting_keys, settings
from tui_inkasso.services.errors import UserError
from tui_inkasso.services.ledger_import import (
    LEDGER_SETTINGS,
    LedgerImportError,
    import_ledger_bytes,
)

EXAMPLE_TEXT = (SHARED_DOCS / "ledger-import-example.json").read_text(encoding="utf-8")
EXAMPLE: dict[str, Any] = json.loads(EXAMPLE_TEXT)
PROBLEM_LINE = re.compile(r"^\S.*?: \S")
"""``path: reason`` (a path never holds ': ')."""




def _changed(change: Callable[[dict[str, Any]], object]) -> bytes:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    return json.dumps(data, ensure_ascii=False).encode()


def _refusal(raw: bytes) -> list[str]:
    with pytest.raises(LedgerImportError) as caught:
        import_ledger_bytes(raw, "ledger.json")
    return caught.value.errors


# --------------------------------------------------------------------------- item 11


def _drop(section: str, index: int, field: str) -> Callable[[dict[str, Any]], object]:
    return lambda d: d[section][index].pop(field)


def _set(section: str, index: int, field: str, value: Any) -> Callable[[dict[str, Any]], object]:
    return lambda d: d[section][index].__setitem__(field, value)


def _set_row_amount(value: Any) -> Callable[[dict[str, Any]], object]:
    return lambda d: d["invoices"][0]["rows"][0].__setitem__("amount", value)


def _rename_due_date(data: dict[str, Any]) -> None:
    data["invoices"][0]["due_dtae"] = data["invoices"][0].pop("due_date")


AMOUNT_TOO_LARGE = "större än 999999999.99, det största belopp reskontran bokför"

MALFORMED = [
    (_drop("invoices", 0, "number"), ["invoices[0].number: saknas"]),
    (_drop("invoices", 0, "ocr"), ["invoices[0].ocr: saknas"]),
    (_drop("invoices", 0, "customer"), ["invoices[0].customer: saknas"]),
    (_drop("payments", 0, "amount"), ["payments[0].amount: saknas"]),
    (_rename_due_date, [
        "invoices[0].due_date: saknas",
        "invoices[0].due_dtae: okänt fält; kända fält: *",
    ]),
    (_set("payments", 0, "amount", None), ["payments[0].amount: saknas (är null)"]),
    (_set_row_amount(None), ["invoices[0].rows[0].amount: saknas (är null)"]),
    (_set_row_amount(str(2**63)), [f"invoices[0].rows[0].amount: {AMOUNT_TOO_LARGE}"]),
    (_set_row_amount(2**63), [f"invoices[0].rows[0].amount: {AMOUNT_TOO_LARGE}"]),
    (_set("payments", 0, "amount", "92233720368547758.08"), [f"payments[0].amount: {AMOUNT_TOO_LARGE}"]),
    (_set("dunning_levels", 0, "fee", str(2**63)), [f"dunning_levels[0].fee: {AMOUNT_TOO_LARGE}"]),
    (_set("dunning_levels", 0, "days_after_due", 10**30), [
        "dunning_levels[0].days_after_due: ska vara ett heltal från 1 till 3650, inte "
        "1000000000000000000000000000000"]),
    (_set("dunning_levels", 1, "deadline_days", 2**63), [
        "dunning_levels[1].deadline_days: ska vara ett heltal från 1 till 365, inte 9223372036854775808"]),
    (_set_row_amount("１２３.００"),
     ["invoices[0].rows[0].amount: beloppet har siffror som inte är 0–9 (１ ２ ３ ０): '１２３.００'"]),
    (_set_row_amount("٨٤٥٠"), ["invoices[0].rows[0].amount: beloppet har siffror som inte är 0–9 (٨ ٤ ٥ ٠): '٨٤٥٠'"]),
    (_set("payments", 0, "amount", "３０００"),
     ["payments[0].amount: beloppet har siffror som inte är 0–9 (３ ０): '３０００'"]),
    (_set("owners", 1, "bankgiro", "１２３-４５６６"),
     ["owners[1].bankgiro: har siffror som inte är 0–9 (１ ２ ３ ４ ５ ６): '１２３-４５６６'"]),
]


@pytest.mark.parametrize(("change", "errors"), MALFORMED)
def test_each_malformed_value_is_one_line_naming_its_path(
        sqlite_url: str, change: Callable[[dict[str, Any]], object], errors: list[str]) -> None:
    got = _refusal(_changed(change))
    assert len(got) == len(errors)
    for line, expected in zip(got, errors, strict=True):
        assert line.startswith(expected[:-1]) if expected.endswith("*") else line == expected
    assert data_rows() == 0


def _with_text(old: str, new: str) -> bytes:
    assert old in EXAMPLE_TEXT
    return EXAMPLE_TEXT.replace(old, new, 1).encode()


RAW = [
    ("deep list", b"[" * 100_000 + b"]" * 100_000,
     ["(filen): listor och objekt är nästlade för djupt (en reskontrafil har högst fem nivåer)"]),
    ("deep inside", ('{"format": "tui-inkasso-ledger/1", "owners": ' + "[" * 5000 + "]" * 5000 + "}").encode(),
     ["(filen): listor och objekt är nästlade för djupt (en reskontrafil har högst fem nivåer)"]),
    ("lone surrogate", _with_text('"Storgatan 1, lgh 1101"', '"Storgatan \\ud800 1"'),
     ["objects[0].address: texten har ett ogiltigt tecken (ett ensamt UTF-16-surrogat, \\ud800–\\udfff); "
      "skriv tecknet som det är eller som ett par"]),
    ("surrogate key", _with_text('"format": "tui-inkasso-ledger/1",', '"format": "tui-inkasso-ledger/1", "x\\udc00": 1,'),
     ["x\\udc00: fältnamnet har ett ogiltigt tecken (ett ensamt UTF-16-surrogat)"]),
    ("duplicate key", _with_text('"format": "tui-inkasso-ledger/1",',
                                 '"format": "tui-inkasso-ledger/1", "format": "tui-inkasso-ledger/1",'),
     ["format: fältet står två gånger i samma objekt; ta bort det ena"]),
    ("duplicate amount", _with_text('"amount": "15000.00"', '"amount": "15000.00", "amount": "1.00"'),
     ["invoices[2].rows[0].amount: fältet står två gånger i samma objekt; ta bort det ena"]),
    ("NaN", _with_text('"amount": "15000.00"', '"amount": NaN'),
     ["(filen): NaN är inget tal i JSON; skriv belopp som \"1234.50\""]),
]


@pytest.mark.parametrize(("raw", "errors"), [pytest.param(raw, errors, id=name) for name, raw, errors in RAW])
def test_json_python_would_read_but_a_ledger_must_not_is_refused(
        sqlite_url: str, raw: bytes, errors: list[str]) -> None:
    assert _refusal(raw) == errors
    assert data_rows() == 0


def test_a_number_of_thousands_of_digits_is_refused_not_a_traceback(sqlite_url: str) -> None:
    errors = _refusal(_with_text('"amount": "15000.00"', '"amount": ' + "9" * 5000))
    assert len(errors) == 1 and errors[0].startswith("(filen): ett tal i filen är för långt för att läsas")


def test_a_surrogate_pair_is_a_character_not_an_error(sqlite_url: str) -> None:
    import_ledger_bytes(_with_text('"Storgatan 1, lgh 1101"', '"Storgatan \\ud83c\\udfe0 1"'), "ledger.json")


def test_a_refused_level_is_named_once_not_again_by_every_notice(sqlite_url: str) -> None:
    errors = _refusal(_changed(_set("dunning_levels", 0, "days_after_due", 10**30)))
    assert len(errors) == 1


def test_the_command_prints_the_lines_and_no_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Any,
                                                       sqlite_url: str) -> None:
    path = tmp_path / "ledger.json"
    path.write_bytes(_changed(_drop("invoices", 0, "number")))
    code, out, err = run(capsys, sqlite_url, "import-ledger", str(path))
    assert code == 2 and out == ""
    assert err.splitlines() == [f"tui-inkasso import-ledger: {path}: 1 fel, ingenting lästes in",
                                "invoices[0].number: saknas"]


# --------------------------------------------------------------------------- item 9


def test_a_ledger_file_sets_only_ledger_settings(any_db: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    data["settings"]["collection.upload_url"] = "sftp://evil@attacker.example/inbox"
    data["settings"]["mail.host"] = "smtp.attacker.example"
    data["settings"]["daemon.log_file"] = "/tmp/x.log"
    errors = _refusal(json.dumps(data).encode())
    assert [e.split(":")[0] for e in errors] == [
        "settings.collection.upload_url", "settings.mail.host", "settings.daemon.log_file"]
    assert errors[0].startswith("settings.collection.upload_url: en reskontrafil får inte ändra den här "
                                "inställningen (bara reskontrans egna: collection.agency_accounts,")
    assert errors[0].endswith("ändra den under Inställningar eller med "
                              "'tui-inkasso settings set collection.upload_url'")
    assert data_rows() == 0
    assert settings.get_setting("collection.upload_url") == ""


NOT_LEDGER = sorted(set(setting_keys.SETTINGS) - LEDGER_SETTINGS)


@pytest.mark.parametrize("key", NOT_LEDGER)
def test_every_transport_mail_log_and_access_setting_is_refused(sqlite_url: str, key: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    data["settings"] = {key: setting_keys.SETTINGS[key].default}
    errors = _refusal(json.dumps(data).encode())
    assert len(errors) == 1 and errors[0].startswith(f"settings.{key}: en reskontrafil får inte ändra")


MUST_REFUSE = {
    "collection.upload_url", "collection.upload_password_file", "collection.upload_key_file",
    "collection.upload_ca_file", "collection.upload_known_hosts", "mail.host", "mail.port", "mail.starttls",
    "mail.user", "mail.sender", "daemon.log_file", "files.group", "dunning.printer",
}
"""Where and how files and mail are sent, the log, who may read personal data, the printer."""


def test_the_refused_keys_are_the_ones_that_send_files_or_read_personal_data() -> None:
    assert set(setting_keys.SETTINGS) >= LEDGER_SETTINGS
    assert set(NOT_LEDGER) >= MUST_REFUSE
    assert not any(key.startswith(("collection.upload_", "mail.", "daemon.", "files.")) for key in LEDGER_SETTINGS)
    assert set(EXAMPLE["settings"]) <= LEDGER_SETTINGS, "the documented example imports as it is"


# --------------------------------------------------------------------------- fuzzing

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2**63, -(2**63) - 1, 10**30, "", " ", "x" * 300, [], {}, [1], {"a": 1},
    "１２３", "٣", "2026-13-45", "9999-99-99", "12,50", "1e5", "-0", "0.001", "\u0000\u001b[2J", "NaN",
    "\ud800", "abc\udfffdef", "‮RTL", [[[[[[[[[[]]]]]]]]]], "99999999999999999999.99",
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, (*path, i))
    return found


def _mutate(data: dict[str, Any], rng: random.Random) -> None:
    paths = [p for p in _paths(data) if p]
    path = rng.choice(paths)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    what = rng.randrange(5)
    if what == 0 and isinstance(parent, dict):
        parent.pop(last)
    elif what == 1 and isinstance(parent, dict):
        parent[f"{last}x" if rng.random() < 0.5 else str(last)[:-1] or "_"] = parent.pop(last)
    elif what == 2 and isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    else:
        parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))


def _raw_mutation(raw: str, rng: random.Random) -> str:
    what = rng.randrange(4)
    at = rng.randrange(len(raw))
    if what == 0:
        return raw[:at]
    if what == 1:
        key = rng.choice(['"number"', '"amount"', '"id"', '"level"'])
        i = raw.find(key, at)
        return raw if i < 0 else raw[:i] + f"{key}: null, " + raw[i:]
    if what == 2:
        return raw[:at] + rng.choice(["\\ud800", "NaN", "Infinity", "[[[[", "}", "\x00", "1" * 5000]) + raw[at:]
    return raw.replace('"amount": "', '"amount": "٣', 1)


def _check_one(raw: bytes) -> None:
    try:
        import_ledger_bytes(raw, "fuzz.json")
    except LedgerImportError as exc:
        assert exc.errors, "a refusal names its problems"
        lines = str(exc).splitlines()
        assert lines[0].startswith("fuzz.json: ") and "ingenting lästes in" in lines[0]
        for line in lines[1:]:
            assert PROBLEM_LINE.match(line), line
            line.encode("utf-8")  # printable on any UTF-8 terminal: no lone surrogate in a message
    except UserError:
        pass


def _fuzz(count: int, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < 0.2:
            raw = _raw_mutation(EXAMPLE_TEXT, rng).encode("utf-8", "surrogatepass")
        else:
            data = copy.deepcopy(EXAMPLE)
            for _ in range(rng.randint(1, 3)):
                _mutate(data, rng)
            raw = json.dumps(data, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        _check_one(raw)


def test_mutations_of_the_example_never_give_a_traceback_on_sqlite(sqlite_url: str) -> None:
    _fuzz(400, seed=14)


def test_mutations_of_the_example_never_give_a_traceback_on_postgresql(postgres_url: str) -> None:
    _fuzz(80, seed=1411)


@pytest.mark.parametrize("text", ["１２３-４５６６", "١٢٣-٤٥٦٦"])
def test_the_domain_takes_only_the_digits_0_to_9(text: str) -> None:
    from tui_inkasso.domain.identifiers import IdentifierError, normalize_bankgiro, normalize_ocr

    assert normalize_bankgiro("123-4566") == "1234566"
    with pytest.raises(IdentifierError):
        normalize_bankgiro(text)
    with pytest.raises(IdentifierError):
        normalize_ocr("１０００２３４")
