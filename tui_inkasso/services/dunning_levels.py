"""Level configuration of the reminder and demand runs: the levels, their settings, the rates.

What a run reads before it issues anything, and what the settings screen (Inställningar →
Alternativ → Påminnelse/krav), the CLI and the ledger import save:

* **Levels** live in ``DunningLevelConfig``. Level 1 is the reminder (påminnelse), every later
  level a demand (krav): :func:`~tui_inkasso.domain.dunning.is_demand_level` decides, for
  ``domain/invoice_status.py``, the ledger import, the CLI and the settings screen alike. Each
  level also has a *kind* (``domain.level_kinds``: påminnelse, påminnelse utan avgift,
  inkassokrav), which decides the fee the law lets it charge and what its letter must say; a
  configuration that would charge a fee the law does not allow is refused, when saved and by
  every run (:func:`level_problems`).
* **Settings**: the minimum amount, the fee caps (lag (1981:739) 4 §; a setting may lower a
  statutory ceiling, never raise it), the printer and the letters folder.
* **Reference rates** (räntelagen 9 §): the Riksbank's rate per half year, which the late
  interest of the letters and the collection files is computed from.

Everything here is saved all or nothing and audited; :func:`save_configuration` checks the
three together so the settings screen can list every problem at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import peewee as pw

from tui_inkasso.db.bulk import insert_dicts
from tui_inkasso.db.models import DunningLevelConfig
from tui_inkasso.db.models import ReferenceRate as ReferenceRateRow
from tui_inkasso.domain.codes import StaffRole
from tui_inkasso.domain.dunning import DunningLevel, FeeCaps, is_demand_level, validate_levels
from tui_inkasso.domain.interest import (
    ReferenceRate,
    default_reference_rates,
    format_rate_bp,
    validate_rates,
)
from tui_inkasso.domain.letter_requirements import placeholder_problems
from tui_inkasso.domain.level_fees import cap_problems, kinded, level_kind
from tui_inkasso.domain.level_kinds import LAWFUL_DEFAULT_LEVELS, level_kind_problems
from tui_inkasso.domain.money import format_amount, parse_amount
from tui_inkasso.domain.reference_rates import (
    RateInputError,
    check_half_year_start,
    check_rate_bounds,
)
from tui_inkasso.services import audit
from tui_inkasso.services.clock import today
from tui_inkasso.services.errors import DunningError, UserError
from tui_inkasso.services.permissions import reads, requires
from tui_inkasso.services.setting_keys import SettingError, setting_key, validate_setting
from tui_inkasso.services.settings import get_setting, output_dir, set_settings
from tui_inkasso.services.transaction import write_transaction

LETTERS_SUBDIR = "brev"
"""Where run PDFs go when ``dunning.letters_dir`` is empty: a folder in the collection output dir."""

# --------------------------------------------------------------------------- settings


def min_amount() -> int:
    """``dunning.min_amount`` in öre: a balance below it gets no reminder."""
    return parse_amount(get_setting("dunning.min_amount"))


def fee_caps() -> FeeCaps:
    """The reminder and demand fee caps from the settings (lag (1981:739) 4 §)."""
    return FeeCaps(
        reminder_ore=parse_amount(get_setting("dunning.reminder_fee_cap")),
        demand_ore=parse_amount(get_setting("dunning.demand_fee_cap")),
    )


@reads
def printer() -> str:
    """The ``lp`` destination for reprints, or "" when none is set."""
    return get_setting("dunning.printer").strip()


def letters_dir() -> Path:
    """The folder for run PDFs and reprints: ``dunning.letters_dir``, or the collection folder's
    ``brev``. Not created here: the run creates it, so an unusable path fails the run cleanly."""
    configured = get_setting("dunning.letters_dir").strip()
    if configured:
        return Path(configured).expanduser().absolute()
    return (output_dir() / LETTERS_SUBDIR).absolute()


# --------------------------------------------------------------------------- levels


def _level_from_row(row: DunningLevelConfig) -> DunningLevel:
    return DunningLevel(
        level=row.level,
        name=row.name,
        days=row.days,
        fee_ore=row.fee,
        deadline_days=row.deadline_days,
        letter_text=row.letter_text or "",
        is_demand=is_demand_level(row.level),
        kind=row.kind or "",
    )


@reads
def get_levels() -> list[DunningLevel]:
    """The configured levels in order (level 1 the reminder, later ones demands), each with its
    kind (a level stored without one as ``level_kinds.default_kind`` reads it)."""
    levels = [_level_from_row(r) for r in DunningLevelConfig.select().order_by(DunningLevelConfig.level)]
    return [lv if lv.kind else with_kind(lv) for lv in levels]


def with_kind(level: DunningLevel) -> DunningLevel:
    """``level`` with its kind spelled out (the default kind when it has none)."""
    return dataclasses.replace(level, kind=level_kind(level).value)


def default_levels() -> list[DunningLevel]:
    """The lawful default configuration (``level_kinds.LAWFUL_DEFAULT_LEVELS``): a reminder
    (60 kr where the contract allows a reminder fee) and one collection demand (180 kr)."""
    return [DunningLevel(d.level, d.name, d.days, d.fee_ore, d.deadline_days, d.letter_text,
                         is_demand_level(d.level), d.kind.value) for d in LAWFUL_DEFAULT_LEVELS]


def level_problems(levels: Sequence[DunningLevel], caps: FeeCaps | None = None,
                   on_date: dt.date | None = None) -> list[str]:
    """Everything wrong with ``levels`` (Swedish, one line each).

    The form (``validate_levels``), the placeholders of each letter text, and the law:
    ``level_kind_problems`` against the fee ceilings in force on ``on_date`` (today when None)
    refuses a fee on a reminder without fee, a fee above its ceiling, a reminder fee or a
    collection fee on more than one level and a reminder after the inkassokrav. With ``caps``
    each fee is checked against the settings' cap for its kind too. Saving checks the caps; a
    run does not: it cuts each fee to the cap (``level_fees.letter_fee``), so a lowered cap
    never stops the runs, while a configuration the law does not allow stops every run.
    """
    on_date = on_date or today()
    problems = validate_levels(levels, None)
    if caps is not None:
        problems += cap_problems(list(levels), caps, on_date)
    problems += level_kind_problems(kinded(list(levels)), on_date)
    for level in levels:
        wrong = placeholder_problems(level.letter_text)
        problems += [f"Nivå {level.level} ({level.name or 'utan namn'}): {p}." for p in wrong]
        if not wrong and (reason := _page_problem(level)):
            problems.append(f"Nivå {level.level} ({level.name or 'utan namn'}): {reason}.")
    for level in levels:
        if level.is_demand != is_demand_level(level.level):
            kind = "ett krav" if is_demand_level(level.level) else "en påminnelse"
            problems.append(f"Nivå {level.level} ({level.name or 'utan namn'}): ska vara {kind}; "
                            f"nivå 1 är påminnelsen och senare nivåer är krav.")
    return problems


def _page_problem(level: DunningLevel) -> str | None:
    """Why a letter of ``level`` could not fit its page at its longest: rent with the rent
    sentence, two interest rates, earlier fees, long names and addresses; None when it fits."""
    from tui_inkasso.formats.letter import LetterData, fit_problem  # the PDF layout, only here

    day = dt.date(2026, 7, 2)
    rates = ((dt.date(2026, 5, 1), dt.date(2026, 6, 30), 1000), (dt.date(2026, 7, 1), day, 1000))
    kind = level_kind(level)
    sample = LetterData(
        owner_name="X" * 40, owner_org_no="556677-8899", owner_address=("X" * 40, "123 45 Xxxxxxxx"),
        owner_phone="08-123 456 78", owner_email="x" * 30, bankgiro="5805-6201",
        customer_name="X" * 40, customer_address=("X" * 40, "123 45 Xxxxxxxx"), invoice_number="9" * 12,
        kind="rent", invoice_date=dt.date(2026, 4, 20), due_date=dt.date(2026, 4, 30), ocr="9" * 14,
        level=level.level, level_name=level.name or "X", is_demand=level.is_demand, issued_on=day,
        payment_deadline=day + dt.timedelta(days=14), capital_ore=99_999_999, interest_ore=999_999,
        fee_ore=max(level.fee_ore, 0), earlier_fees_ore=99_999,
        total_ore=99_999_999 + 999_999 + max(level.fee_ore, 0) + 99_999,
        letter_text=_sample_text(level.letter_text), object_address="X" * 40, forfeiture_notice=False,
        customer_number="K" * 10, interest_to=day, level_kind=kind.value,
        interest_from=dt.date(2026, 5, 1), interest_rates=rates, rent_premises="bostad")
    reason = fit_problem(sample)
    if reason is None:
        return None
    return ("brevtexten är för lång för att brevet ska få plats på en sida med alla uppgifter "
            "lagen kräver (belopp, räntesatser, hyresraden); korta texten")


def _sample_text(text: str) -> str:
    """``text`` with each placeholder as long as its value can be."""
    from tui_inkasso.domain.letter_requirements import fill_placeholders

    longest = {"att_betala": "999 999 999,99 kr", "kapital": "999 999 999,99 kr", "ranta": "9 999 999,99 kr",
               "ranta_procent": "10,00 %", "ranta_fran": "2026-05-01", "ranta_till": "2026-07-02",
               "avgifter": "9 999,99 kr", "betalas_senast": "2026-07-16", "borgenar": "X" * 40,
               "telefon": "08-123 456 78", "epost": "x" * 30, "fakturanummer": "9" * 12}
    try:
        return fill_placeholders(text, longest)
    except ValueError:
        return text


@requires(StaffRole.ADMIN, "ändra kravnivåer")
def save_levels(levels: Sequence[DunningLevel]) -> list[DunningLevel]:
    """Replace the configured levels with ``levels``, all or nothing, audited.

    Refused with every problem listed when :func:`level_problems` finds any: a run with a
    broken configuration would send letters the law does not allow.
    """
    problems = level_problems(levels, fee_caps())
    if problems:
        raise DunningError("Kravnivåerna sparades inte:\n" + "\n".join(problems))
    old = get_levels()
    levels = [with_kind(lv) for lv in levels]
    if levels == old:
        return old
    with write_transaction():
        DunningLevelConfig.delete().execute()
        insert_dicts(DunningLevelConfig, [
            {"level": lv.level, "name": lv.name.strip(), "days": lv.days, "fee": lv.fee_ore,
             "deadline_days": lv.deadline_days, "letter_text": lv.letter_text,
             "kind": level_kind(lv).value}
            for lv in levels
        ])
        audit.record("dunning.levels", "dunning_levels", "all",
                     {"old": _describe_levels(old), "new": _describe_levels(levels)})
    return get_levels()


def max_level() -> int:
    """The highest configured level (0 when none is configured)."""
    return DunningLevelConfig.select(pw.fn.MAX(DunningLevelConfig.level)).scalar() or 0


def _describe_levels(levels: Iterable[DunningLevel]) -> str:
    parts = [f"{lv.level} {lv.name} ({level_kind(lv).label}) {lv.days}d avg {format_amount(lv.fee_ore)} "
             f"bet.tid {lv.deadline_days}d" for lv in levels]
    return "; ".join(parts) or "inga"


# --------------------------------------------------------------------------- reference rates


@reads
def get_reference_rates() -> list[ReferenceRate]:
    """The table of Riksbank reference rates, oldest first.

    An empty table reads as :func:`default_reference_rates`; the defaults are written to the
    table by the first run (and by :func:`save_reference_rates`), so the rates a run used are
    always the ones stored.
    """
    rows = ReferenceRateRow.select().order_by(ReferenceRateRow.valid_from)
    stored = [ReferenceRate(r.valid_from, r.rate_bp) for r in rows]
    return stored or default_reference_rates()


@requires(StaffRole.ADMIN, "ändra referensräntor")
def save_reference_rates(rates: Sequence[ReferenceRate]) -> list[ReferenceRate]:
    """Replace the table of reference rates, all or nothing, audited."""
    rates = sorted(rates)
    problems = _rate_problems(rates)
    if problems:
        raise DunningError("Referensräntorna sparades inte:\n" + "\n".join(problems))
    old = get_reference_rates()
    if rates == old and ReferenceRateRow.select().exists():
        return old
    with write_transaction():
        ReferenceRateRow.delete().execute()
        insert_dicts(ReferenceRateRow, [{"valid_from": r.valid_from, "rate_bp": r.rate_bp} for r in rates])
        audit.record("dunning.reference_rates", "reference_rate", "all",
                     {"old": _describe_rates(old), "new": _describe_rates(rates)})
    return get_reference_rates()


@requires(StaffRole.ADMIN, "ändra referensräntor")
def set_reference_rate(valid_from: dt.date, rate_bp: int) -> tuple[int | None, list[ReferenceRate]]:
    """Enter (or correct) one half year's rate: the table with that row added or replaced,
    saved by :func:`save_reference_rates` (checked, audited as the settings screen's save).

    For ``tui-inkasso rates set``: a server without the app must be able to enter the rate
    of a new half year, or its runs stop at the half year's first day. Returns the rate the
    half year had before (None when it had none) and the stored table. A date that is not
    1 January or 1 July, or a rate out of bounds, is refused naming it (:class:`UserError`).
    """
    try:
        check_half_year_start(valid_from)
        check_rate_bounds(rate_bp)
    except RateInputError as exc:
        raise UserError(f"referensräntan sparades inte: {exc}") from None
    with write_transaction():  # the read and the save as one: a second save waits
        current = get_reference_rates()
        old = next((r.rate_bp for r in current if r.valid_from == valid_from), None)
        rates = [r for r in current if r.valid_from != valid_from] + [ReferenceRate(valid_from, rate_bp)]
        return old, save_reference_rates(rates)


def _rate_problems(rates: Sequence[ReferenceRate]) -> list[str]:
    """:func:`validate_rates`, and an empty table refused: no rate, no interest."""
    problems = validate_rates(rates)
    if not rates:
        problems.append("Minst en referensränta behövs för att räkna dröjsmålsränta.")
    return problems


def _describe_rates(rates: Iterable[ReferenceRate]) -> str:
    return "; ".join(f"{r.valid_from.isoformat()} {format_rate_bp(r.rate_bp)}" for r in rates)


def seed_rates_if_empty() -> None:
    """Store the default table on first use (inside the caller's transaction: the run's)."""
    if ReferenceRateRow.select().exists():
        return
    rates = default_reference_rates()
    insert_dicts(ReferenceRateRow, [{"valid_from": r.valid_from, "rate_bp": r.rate_bp} for r in rates])
    audit.record("dunning.reference_rates", "reference_rate", "all",
                 f"standardtabellen sparad: {_describe_rates(rates)}")


CONFIGURATION_KEYS = ("dunning.min_amount", "dunning.reminder_fee_cap", "dunning.demand_fee_cap",
                      "dunning.rent_notice", "dunning.printer", "dunning.letters_dir")
"""The settings edited beside the levels (Inställningar → Alternativ → Påminnelse/krav)."""


@requires(StaffRole.ADMIN, "ändra kravnivåer, avgifter och referensräntor")
def save_configuration(levels: Sequence[DunningLevel], values: dict[str, str],
                       rates: Sequence[ReferenceRate]) -> None:
    """Levels, the dunning settings and the reference rates, checked together, saved together.

    Every problem is collected first (the levels are checked against the caps being saved), so
    the settings screen can list them all; nothing is stored unless all are right.
    """
    problems: list[str] = []
    cleaned: dict[str, str] = {}
    for key, value in values.items():
        try:
            cleaned[key] = validate_setting(key, value)
        except SettingError as exc:
            problems.append(f"{setting_key(key).label}: {str(exc).removeprefix(key + ': ')}")
    caps = fee_caps()
    if "dunning.reminder_fee_cap" in cleaned and "dunning.demand_fee_cap" in cleaned:
        caps = FeeCaps(parse_amount(cleaned["dunning.reminder_fee_cap"]),
                       parse_amount(cleaned["dunning.demand_fee_cap"]))
    problems += level_problems(levels, caps)
    problems += _rate_problems(rates)
    if problems:
        raise DunningError("Inget sparades:\n" + "\n".join(problems))
    with write_transaction():
        set_settings(cleaned)
        save_levels(levels)
        save_reference_rates(rates)

