"""The fee one letter of a configured level charges, within the law and within the settings.

Three limits apply, in this order (docs/dunning.md, "The law"):

1. the level's kind (``domain.level_kinds``): a påminnelse may carry the reminder fee, an
   inkassokrav the collection fee, a påminnelse utan avgift nothing;
2. the contract: a reminder fee only where it was agreed when the debt arose (lag (1981:739)
   2 §), and at most once per invoice; a collection fee at most once per claim (3 § 1, 4 §);
3. the amounts: the fee the level names, cut to the cap in the settings
   (``dunning.reminder_fee_cap`` / ``dunning.demand_fee_cap``, which may only be lower than the
   statutory ceiling) and to the ceiling in force on the letter's date (``domain.fee_ceilings``).

Saving a configuration above a ceiling is refused (``level_kind_problems``); a run that meets
a ceiling lowered by law after the levels were saved charges the lawful amount instead of
stopping.
"""

from __future__ import annotations

from datetime import date

from tui_inkasso.domain.dunning import DunningLevel, FeeCaps
from tui_inkasso.domain.fee_ceilings import FeeKind, fee_problem, lawful_fee
from tui_inkasso.domain.level_kinds import KindedLevel, LevelKind, default_kind


def level_kind(level: DunningLevel) -> LevelKind:
    """The kind of ``level``: its stored code, or :func:`default_kind` for one stored without."""
    return LevelKind(level.kind) if level.kind else default_kind(level.level, level.fee_ore)


def kinded(levels: list[DunningLevel] | tuple[DunningLevel, ...]) -> list[KindedLevel]:
    """``levels`` as ``level_kind_problems`` takes them."""
    return [KindedLevel(lv.level, lv.name, level_kind(lv), lv.fee_ore) for lv in levels]


def cap_for(kind: FeeKind, caps: FeeCaps) -> int:
    """The settings' cap for a fee of ``kind`` (the demand cap is the collection fee's)."""
    return caps.reminder_ore if kind is FeeKind.REMINDER else caps.demand_ore


def letter_fee(
    level: DunningLevel,
    caps: FeeCaps,
    on_date: date,
    *,
    reminder_fee_allowed: bool,
    reminder_fee_charged: bool = False,
    collection_fee_charged: bool = False,
) -> int:
    """The fee in öre a letter of ``level`` dated ``on_date`` charges on one invoice.

    ``reminder_fee_allowed`` is the contract's word; ``reminder_fee_charged`` and
    ``collection_fee_charged`` say whether the invoice (the claim) already carries that fee
    from an earlier letter: then this one charges none.
    """
    fee_kind = level_kind(level).fee_kind
    if fee_kind is None or level.fee_ore <= 0:
        return 0
    if fee_kind is FeeKind.REMINDER and (not reminder_fee_allowed or reminder_fee_charged):
        return 0
    if fee_kind is FeeKind.COLLECTION and collection_fee_charged:
        return 0
    return lawful_fee(fee_kind, min(level.fee_ore, cap_for(fee_kind, caps)), on_date)


def cap_problems(levels: list[DunningLevel] | tuple[DunningLevel, ...], caps: FeeCaps,
                 on_date: date) -> list[str]:
    """Levels whose fee is above the cap the settings give for its kind, in Swedish (a fee
    above the statutory ceiling on ``on_date`` is left to ``level_kind_problems``, which names
    the law)."""
    problems: list[str] = []
    for level in levels:
        fee_kind = level_kind(level).fee_kind
        if fee_kind is None or fee_problem(fee_kind, level.fee_ore, on_date):
            continue
        cap = cap_for(fee_kind, caps)
        if level.fee_ore > cap:
            setting = "Högsta påminnelseavgift" if fee_kind is FeeKind.REMINDER else "Högsta inkassoavgift"
            problems.append(f"Nivå {level.level} ({level.name or 'utan namn'}): avgiften "
                            f"{_kr(level.fee_ore)} är högre än {setting.lower()} {_kr(cap)} "
                            f"(inställningen {setting}).")
    return problems


def _kr(ore: int) -> str:
    kronor, rest = divmod(ore, 100)
    return f"{kronor},{rest:02d} kr"
