"""What kind of letter a dunning level sends, and which fee the law lets it charge.

Three kinds, because the law draws the lines there (docs/dunning.md, "The law"):

* **Påminnelse** (reminder): a written payment reminder. Lag (1981:739) 2 § allows a
  reminder fee only "om avtal därom har träffats senast i samband med skuldens uppkomst"; the
  run charges it only where the contract says so. Capped by 4 § 1.
* **Påminnelse utan avgift** (reminder without fee): a reminder that never charges, for a
  second or third reminder. A letter that only sets a time to pay or says that the claim
  will be handed over for collection is not a collection measure (inkassolagen (1974:182)
  1 §: "annan påtryckning på gäldenären än angivande av tid för betalning eller uppgift om att
  fordringen, om den inte betalas, kommer att överlämnas till någon annan för inkasso"), so
  it gives no right to a collection fee either.
* **Inkassokrav** (collection demand): a demand that meets inkassolagen 5 § (capital,
  interest with rate and period, each cost, a reasonable time to pay or object). Only such a
  letter carries the collection fee (lag (1981:739) 3 § 1), capped by 4 § 2, and only once per
  claim: the fee compensates costs "som har varit skäligen påkallade" (4 § first paragraph),
  and the supervisory authority's guidance is that one collection demand per claim is normal.

:func:`level_kind_problems` refuses every configuration that would charge a fee the law does
not allow. :data:`LAWFUL_DEFAULT_LEVELS` is the configuration a new ledger starts with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tui_inkasso.domain.dunning import DunningLevel, is_demand_level
from tui_inkasso.domain.fee_ceilings import LAW, FeeKind, fee_problem, format_kr


class LevelKind(StrEnum):
    """A dunning level's kind; the value is the stable code stored and used in JSON."""

    REMINDER = "reminder"
    REMINDER_NO_FEE = "reminder_no_fee"
    COLLECTION_DEMAND = "collection_demand"

    @property
    def label(self) -> str:
        """The Swedish name staff pick from."""
        return _LABELS[self]

    @property
    def fee_kind(self) -> FeeKind | None:
        """The fee a letter of this kind may carry; None when it may carry none."""
        return _FEE_KINDS[self]

    @property
    def is_collection_demand(self) -> bool:
        """True for an inkassokrav: the letter must meet inkassolagen 5 §."""
        return self is LevelKind.COLLECTION_DEMAND

    @classmethod
    def parse(cls, text: str) -> LevelKind:
        """A kind from its code or Swedish label (any case); ValueError in Swedish otherwise."""
        cleaned = " ".join(str(text).strip().lower().split())
        for kind in cls:
            if cleaned in (kind.value, kind.label.lower()):
                return kind
        known = ", ".join(f"{k.value} ({k.label})" for k in cls)
        raise ValueError(f"okänd typ av kravnivå {text!r}; kända: {known}")


_LABELS = {
    LevelKind.REMINDER: "Påminnelse",
    LevelKind.REMINDER_NO_FEE: "Påminnelse utan avgift",
    LevelKind.COLLECTION_DEMAND: "Inkassokrav",
}

_FEE_KINDS: dict[LevelKind, FeeKind | None] = {
    LevelKind.REMINDER: FeeKind.REMINDER,
    LevelKind.REMINDER_NO_FEE: None,
    LevelKind.COLLECTION_DEMAND: FeeKind.COLLECTION,
}


def default_kind(level: int, fee_ore: int) -> LevelKind:
    """The kind a level stored without one is read as.

    ``domain.dunning.is_demand_level`` decides whether level number ``level`` is a demand
    (the product's "Krav"): a demand charged the demand fee, so it reads as an inkassokrav;
    the reminder reads as a påminnelse when it has a fee and a påminnelse utan avgift when it
    has none. :func:`level_kind_problems` then tells staff what to change.
    """
    if is_demand_level(level):
        return LevelKind.COLLECTION_DEMAND
    return LevelKind.REMINDER if fee_ore > 0 else LevelKind.REMINDER_NO_FEE


@dataclass(frozen=True, slots=True)
class KindedLevel:
    """What the fee rules need to know of a configured level."""

    level: int
    name: str
    kind: LevelKind
    fee_ore: int


def kinded_levels(levels: Sequence[DunningLevel],
                  kinds: Mapping[int, LevelKind] | None = None) -> list[KindedLevel]:
    """``levels`` with their kinds: from ``kinds`` (by level number) where given, otherwise
    :func:`default_kind`; ready for :func:`level_kind_problems`."""
    given = kinds or {}
    return [KindedLevel(lv.level, lv.name, given.get(lv.level) or default_kind(lv.level, lv.fee_ore),
                        lv.fee_ore) for lv in levels]


def _where(level: KindedLevel) -> str:
    return f"Nivå {level.level} ({level.name.strip() or 'utan namn'})"


def level_kind_problems(levels: Sequence[KindedLevel], on_date: date) -> list[str]:
    """Every way ``levels`` would charge a fee the law does not allow, in Swedish.

    Checked against the ceilings in force on ``on_date`` (the day the configuration is saved;
    a run checks each letter's own date again). Refused: a fee on a reminder without fee; a
    fee above its ceiling; a reminder fee on more than one level (a reminder fee at most once
    per invoice); a collection fee on more than one level (at most once per claim); a reminder
    after an inkassokrav. An empty list means the fees are lawful.
    """
    problems: list[str] = []
    reminder_fees: list[KindedLevel] = []
    collection_fees: list[KindedLevel] = []
    seen_demand: KindedLevel | None = None
    for level in levels:
        where = _where(level)
        fee_kind = level.kind.fee_kind
        if fee_kind is None:
            if level.fee_ore != 0:
                problems.append(
                    f"{where}: en {level.kind.label.lower()} får inte ta ut någon avgift "
                    f"(angiven {format_kr(level.fee_ore)}); bara ett inkassokrav som uppfyller "
                    f"inkassolagen 5 § ger rätt till inkassoavgift ({LAW} 3 §).")
        else:
            reason = fee_problem(fee_kind, level.fee_ore, on_date)
            if reason:
                problems.append(f"{where}: {reason}.")
            if level.fee_ore > 0:
                (reminder_fees if fee_kind is FeeKind.REMINDER else collection_fees).append(level)
        if level.kind.is_collection_demand:
            seen_demand = seen_demand or level
        elif seen_demand is not None:
            problems.append(f"{where}: en påminnelse kan inte komma efter inkassokravet på "
                            f"nivå {seen_demand.level}.")
    if len(reminder_fees) > 1:
        numbers = ", ".join(str(lv.level) for lv in reminder_fees)
        problems.append(f"Påminnelseavgift på flera nivåer ({numbers}): en faktura får bära "
                        f"påminnelseavgift högst en gång; sätt avgiften 0 eller typen "
                        f"'Påminnelse utan avgift' på de senare.")
    if len(collection_fees) > 1:
        numbers = ", ".join(str(lv.level) for lv in collection_fees)
        problems.append(f"Inkassoavgift på flera nivåer ({numbers}): inkassoavgift får tas ut "
                        f"högst en gång per fordran ({LAW} 3 § 1 och 4 §).")
    return problems


@dataclass(frozen=True, slots=True)
class DefaultLevel:
    """One level of the lawful default configuration."""

    level: int
    name: str
    kind: LevelKind
    days: int
    fee_ore: int
    deadline_days: int
    letter_text: str


REMINDER_TEXT = (
    "Vi har ännu inte fått betalt för fakturan nedan. Betala {att_betala} senast "
    "{betalas_senast}. Har du redan betalat kan du bortse från denna påminnelse. "
    "Kontakta oss om något är fel.")

COLLECTION_DEMAND_TEXT = (
    "Trots påminnelse har vi inte fått betalt för fakturan nedan. Vi kräver dig därför på "
    "{att_betala}: kapital {kapital}, dröjsmålsränta {ranta} och avgifter {avgifter}. "
    "Dröjsmålsräntan är {ranta_procent} från {ranta_fran} och löper tills du betalar.\n"
    "Betala senast {betalas_senast}. Om du anser att kravet är felaktigt ska du meddela oss "
    "det senast samma dag och tala om varför.\n"
    "Betalar du inte och inte heller invänder mot kravet kan vi utan ytterligare påminnelse "
    "ansöka om betalningsföreläggande hos Kronofogden, vilket medför ytterligare kostnader "
    "för dig.")

LAWFUL_DEFAULT_LEVELS: tuple[DefaultLevel, ...] = (
    DefaultLevel(1, "Påminnelse", LevelKind.REMINDER, 8, 6000, 10, REMINDER_TEXT),
    DefaultLevel(2, "Inkassokrav", LevelKind.COLLECTION_DEMAND, 10, 18000, 10,
                 COLLECTION_DEMAND_TEXT),
)
"""A reminder (60 kr where the contract allows a reminder fee) and one collection demand
(180 kr) whose text names the measure that makes it one (an application to Kronofogden) and
every part inkassolagen 5 § asks for, through the placeholders of
``domain.letter_requirements``."""
