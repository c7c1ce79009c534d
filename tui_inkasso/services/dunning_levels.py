"""Level configuration of the reminder and demand runs: the levels, their settings, the rates.

What a run reads before it issues anything, and what the settings screen (Inställningar →
Alternativ → Påminnelse/krav), the CLI and the ledger import save:

* **Levels** live in ``DunningLevelConfig``. Level 1 is the reminder (påminnelse), every later
  level a demand (krav): :func:`~tui_inkasso.domain.dunning.is_demand_level` decides, for
  ``domain/invoice_status.py``, the ledger import, the CLI and the settings screen alike.
* **Settings**: the minimum amount, the fee caps (lag (1981:739) 4 §), the printer and the
  letters folder.
* **Reference rates** (räntelagen 9 §): the Riksbank's rate per half year, which the late
  interest of the letters and the collection files is computed from.

Everything here is saved all or nothing and audited; :func:`save_configuration` checks the
three together so the settings screen can list every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import peewee as pw

from tui_inkasso.db.bulk import insert_dicts
from tui_inkasso.db.models import DunningLevelConfig
from tui_inkasso.db.models import ReferenceRate as ReferenceRateRow
from tui_inkasso.domain.dunning import DunningLevel, FeeCaps, is_demand_level, validate_levels
from tui_inkasso.domain.interest import (
    ReferenceRate,
    default_reference_rates,
    format_rate_bp,
    validate_rates,
)
from tui_inkasso.domain.money import format_amount, parse_amount
from tui_inkasso.services import audit
from tui_inkasso.services.errors import DunningError
from tui_inkasso.services.settings import (
    SettingError,
    get_setting,
    output_dir,
    set_settings,
    setting_key,
    validate_setting,
)
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
    )


def get_levels() -> list[DunningLevel]:
    """The configured levels in order (level 1 the reminder, later ones demands)."""
    return [_level_from_row(r) for r in DunningLevelConfig.select().order_by(DunningLevelConfig.level)]


def level_problems(levels: Sequence[DunningLevel], caps: FeeCaps | None = None) -> list[str]:
    """Everything wrong with ``levels`` (Swedish, one line each); fees against ``caps`` if given.

    Saving checks the caps; a run does not: it cuts each fee to the cap in force
    (:func:`~tui_inkasso.domain.dunning.capped_fee`), so a lowered cap never stops the runs.
    """
    problems = validate_levels(levels, caps)
    for level in levels:
        if level.is_demand != is_demand_level(level.level):
            kind = "ett krav" if is_demand_level(level.level) else "en påminnelse"
            problems.append(f"Nivå {level.level} ({level.name or 'utan namn'}): ska vara {kind}; "
                            f"nivå 1 är påminnelsen och senare nivåer är krav.")
    return problems


def save_levels(levels: Sequence[DunningLevel]) -> list[DunningLevel]:
    """Replace the configured levels with ``levels``, all or nothing, audited.

    Refused with every problem listed when :func:`level_problems` finds any: a run with a
    broken configuration would send letters the law does not allow.
    """
    problems = level_problems(levels, fee_caps())
    if problems:
        raise DunningError("Kravnivåerna sparades inte:\n" + "\n".join(problems))
    old = get_levels()
    if list(levels) == old:
        return old
    with write_transaction():
        DunningLevelConfig.delete().execute()
        insert_dicts(DunningLevelConfig, [
            {"level": lv.level, "name": lv.name.strip(), "days": lv.days, "fee": lv.fee_ore,
             "deadline_days": lv.deadline_days, "letter_text": lv.letter_text}
            for lv in levels
        ])
        audit.record("dunning.levels", "dunning_levels", "all",
                     {"old": _describe_levels(old), "new": _describe_levels(levels)})
    return get_levels()


def max_level() -> int:
    """The highest configured level (0 when none is configured)."""
    return DunningLevelConfig.select(pw.fn.MAX(DunningLevelConfig.level)).scalar() or 0


def _describe_levels(levels: Iterable[DunningLevel]) -> str:
    parts = [f"{lv.level} {lv.name} {lv.days}d avg {format_amount(lv.fee_ore)} "
             f"bet.tid {lv.deadline_days}d" for lv in levels]
    return "; ".join(parts) or "inga"


# --------------------------------------------------------------------------- reference rates


def get_reference_rates() -> list[ReferenceRate]:
    """The table of Riksbank reference rates, oldest first.

    An empty table reads as :func:`default_reference_rates`; the defaults are written to the
    table by the first run (and by :func:`save_reference_rates`), so the rates a run used are
    always the ones stored.
    """
    rows = ReferenceRateRow.select().order_by(ReferenceRateRow.valid_from)
    stored = [ReferenceRate(r.valid_from, r.rate_bp) for r in rows]
    return stored or default_reference_rates()


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
                      "dunning.printer", "dunning.letters_dir")
"""The settings edited beside the levels (Inställningar → Alternativ → Påminnelse/krav)."""


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

