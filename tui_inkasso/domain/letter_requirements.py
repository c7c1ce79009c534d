"""What a reminder and a collection demand must say, and a check that lists what is missing.

Inkassolagen (1974:182) 5 § (lagen.nu/1974:182): a demand is written; "Vad som fordras i
kapital, ränta och ersättning för kostnader ska anges var för sig. I fråga om ränta ska
särskilt anges beloppet av upplupen ränta, räntesatsen samt den tid och det kapitalbelopp som
ligger till grund för ränteberäkningen"; and it gives "viss skälig tid inom vilken gäldenären
har att betala frivilligt eller anmäla om han eller hon har någon invändning mot kravet".
Lag (1981:739) 3 § 1 gives the collection fee only for a demand "som har utformats på ett
sådant sätt som anges i 5 § inkassolagen". IMY's guidance adds who the creditor is and how to
reach them, and what the claim concerns. A reminder is not bound by 5 §, but it must say
plainly which date to pay by (issue 13).

:func:`missing_parts` takes the facts a letter will show (:class:`LetterFacts`) and lists, in
Swedish, each part that is missing or wrong, so that the run refuses to issue the letter.
Level texts may use the placeholders of :data:`PLACEHOLDERS`, filled by
:func:`fill_placeholders` from the same facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from tui_inkasso.domain.deadlines import MIN_DEADLINE_DAYS, deadline_problem
from tui_inkasso.domain.fee_ceilings import fee_problem
from tui_inkasso.domain.interest import format_rate_bp
from tui_inkasso.domain.level_kinds import LevelKind
from tui_inkasso.domain.money import format_sek

SECTION_5 = "inkassolagen 5 §"


def objection_sentence(deadline: date) -> str:
    """The line a collection demand gives about objecting, with its date.

    Inkassolagen 5 §: the time "att betala frivilligt eller anmäla om han eller hon har någon
    invändning mot kravet".
    """
    return (f"Om du anser att kravet är felaktigt ska du meddela oss det senast "
            f"{deadline.isoformat()} och tala om varför.")


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One cost on a letter, shown on its own line (5 §: "var för sig").

    ``this_letter`` marks the fee this letter charges (as opposed to earlier letters' fees
    still unpaid).
    """

    label: str
    amount_ore: int
    this_letter: bool = False


@dataclass(frozen=True, slots=True)
class LetterFacts:
    """What one letter will show, as plain values (None: the letter does not show it).

    ``interest_rate_bp`` is the late-interest rate as a figure (reference rate + 8 percentage
    points; the last one when the period spans half years), ``interest_from`` the first
    interest day and ``interest_to`` the last one counted, ``interest_capital_ore`` the amount
    the interest runs on. ``total_ore`` must be capital + interest + every fee line.
    ``has_objection_line`` is true when the letter carries :func:`objection_sentence` (or
    its own words to that effect).
    """

    kind: LevelKind
    issued_on: date
    payment_deadline: date | None
    creditor_name: str
    creditor_phone: str
    creditor_email: str
    creditor_address: tuple[str, ...]
    debtor_name: str
    claim_reference: str
    capital_ore: int | None
    interest_ore: int | None
    interest_rate_bp: int | None
    interest_from: date | None
    interest_to: date | None
    interest_capital_ore: int | None
    fees: tuple[FeeLine, ...] = field(default_factory=tuple)
    total_ore: int | None = None
    has_objection_line: bool = False
    deadline_days: int = MIN_DEADLINE_DAYS


def missing_parts(facts: LetterFacts) -> list[str]:
    """Each part the letter lacks or gets wrong, in Swedish, one line each; [] when complete."""
    problems = _common_problems(facts)
    if facts.kind.is_collection_demand:
        problems.extend(_demand_problems(facts))
    else:
        problems.extend(_reminder_problems(facts))
    problems.extend(_fee_problems(facts))
    return problems


def _common_problems(facts: LetterFacts) -> list[str]:
    problems: list[str] = []
    if not facts.creditor_name.strip():
        problems.append("borgenärens namn saknas")
    if not (facts.creditor_phone.strip() or facts.creditor_email.strip()
            or any(line.strip() for line in facts.creditor_address)):
        problems.append("uppgift om hur borgenären nås (telefon, e-post eller adress) saknas")
    if not facts.debtor_name.strip():
        problems.append("gäldenärens namn saknas")
    if not facts.claim_reference.strip():
        problems.append("uppgift om vilken fordran brevet gäller (fakturanummer) saknas")
    if facts.capital_ore is None:
        problems.append("kapitalbeloppet saknas")
    elif facts.capital_ore <= 0:
        problems.append(f"kapitalbeloppet är {format_sek(facts.capital_ore)} kr; inget att kräva")
    if facts.total_ore is None:
        problems.append("totalbeloppet att betala saknas")
    else:
        parts = ((facts.capital_ore or 0) + (facts.interest_ore or 0)
                 + sum(fee.amount_ore for fee in facts.fees))
        if parts != facts.total_ore:
            problems.append(f"totalbeloppet {format_sek(facts.total_ore)} kr är inte summan av "
                            f"kapital, ränta och avgifter ({format_sek(parts)} kr)")
    return problems


def _demand_problems(facts: LetterFacts) -> list[str]:
    problems: list[str] = []
    if facts.interest_ore is None:
        problems.append(f"den upplupna räntans belopp saknas ({SECTION_5})")
    elif facts.interest_ore < 0:
        problems.append(f"räntan är negativ ({format_sek(facts.interest_ore)} kr)")
    if facts.interest_rate_bp is None:
        problems.append(f"räntesatsen saknas ({SECTION_5})")
    if facts.interest_from is None:
        problems.append(f"dagen räntan räknas från saknas ({SECTION_5})")
    if facts.interest_ore and facts.interest_to is None:
        problems.append(f"dagen räntan är räknad till saknas ({SECTION_5})")
    if facts.interest_from and facts.interest_to and facts.interest_to < facts.interest_from:
        problems.append(f"räntan är räknad till {facts.interest_to.isoformat()}, före dagen den "
                        f"räknas från ({facts.interest_from.isoformat()})")
    if facts.interest_capital_ore is None:
        problems.append(f"kapitalbeloppet räntan räknas på saknas ({SECTION_5})")
    reason = deadline_problem(facts.issued_on, facts.payment_deadline, facts.deadline_days)
    if reason:
        problems.append(reason)
    if not facts.has_objection_line:
        problems.append(f"raden om att invända mot kravet inom betalningstiden saknas "
                        f"({SECTION_5})")
    return problems


def _reminder_problems(facts: LetterFacts) -> list[str]:
    if facts.payment_deadline is None:
        return ["dagen att betala senast (Betalas senast) saknas"]
    if facts.payment_deadline <= facts.issued_on:
        return [f"dagen att betala senast ({facts.payment_deadline.isoformat()}) ligger inte "
                f"efter brevets datum ({facts.issued_on.isoformat()})"]
    return []


def _fee_problems(facts: LetterFacts) -> list[str]:
    problems: list[str] = []
    charged = [fee for fee in facts.fees if fee.this_letter and fee.amount_ore != 0]
    fee_kind = facts.kind.fee_kind
    for fee in facts.fees:
        if fee.amount_ore and not fee.label.strip():
            problems.append(f"en avgift på {format_sek(fee.amount_ore)} kr saknar benämning "
                            f"(varje kostnad anges för sig, {SECTION_5})")
        if fee.amount_ore < 0:
            problems.append(f"avgiften {fee.label or '?'} är negativ")
    if fee_kind is None and charged:
        problems.append(f"en {facts.kind.label.lower()} tar ut avgift "
                        f"({format_sek(charged[0].amount_ore)} kr)")
    elif fee_kind is not None:
        if len(charged) > 1:
            problems.append("brevet tar ut mer än en egen avgift")
        for fee in charged:
            reason = fee_problem(fee_kind, fee.amount_ore, facts.issued_on)
            if reason:
                problems.append(reason)
    return problems


# --------------------------------------------------------------------------- placeholders

PLACEHOLDERS: Mapping[str, str] = {
    "att_betala": "totalbeloppet att betala",
    "kapital": "kapitalbeloppet",
    "ranta": "upplupen dröjsmålsränta",
    "ranta_procent": "räntesatsen, t.ex. 10,00 %",
    "ranta_fran": "dagen räntan räknas från",
    "ranta_till": "dagen räntan är räknad till",
    "avgifter": "summan av avgifterna",
    "betalas_senast": "sista betalningsdag",
    "borgenar": "borgenärens namn",
    "telefon": "borgenärens telefon",
    "epost": "borgenärens e-post",
    "fakturanummer": "fakturanumret",
}
"""Placeholders a level's letter text may use, ``{name}``, with what each becomes."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholder_problems(text: str) -> list[str]:
    """Unknown or malformed placeholders in a level text, in Swedish; [] when all are known."""
    problems: list[str] = []
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
            problems.append(f"okänd platshållare {{{name}}}; kända: {known}")
    stripped = _PLACEHOLDER.sub("", text)
    if "{" in stripped or "}" in stripped:
        problems.append("brevtexten har en klammer { eller } som inte hör till en platshållare")
    return problems


def placeholder_values(facts: LetterFacts) -> dict[str, str]:
    """The text each placeholder becomes for ``facts`` ("" for what the letter does not show)."""
    def kr(ore: int | None) -> str:
        return "" if ore is None else f"{format_sek(ore)} kr"

    def day(value: date | None) -> str:
        return "" if value is None else value.isoformat()

    return {
        "att_betala": kr(facts.total_ore),
        "kapital": kr(facts.capital_ore),
        "ranta": kr(facts.interest_ore),
        "ranta_procent": ("" if facts.interest_rate_bp is None
                          else format_rate_bp(facts.interest_rate_bp)),
        "ranta_fran": day(facts.interest_from),
        "ranta_till": day(facts.interest_to),
        "avgifter": kr(sum(fee.amount_ore for fee in facts.fees)),
        "betalas_senast": day(facts.payment_deadline),
        "borgenar": facts.creditor_name,
        "telefon": facts.creditor_phone,
        "epost": facts.creditor_email,
        "fakturanummer": facts.claim_reference,
    }


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each known ``{name}`` replaced by ``values[name]``.

    Raises ValueError (Swedish) for an unknown placeholder or a value the letter lacks, so a
    letter never goes out with "{ranta_procent}" or an empty gap in its sentence.
    """
    problems = placeholder_problems(text)
    if problems:
        raise ValueError("; ".join(problems))
    empty = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text) if not values.get(m.group(1))})
    if empty:
        raise ValueError("brevtexten använder " + ", ".join("{" + n + "}" for n in empty)
                         + " men brevet har inget värde för " + ("den" if len(empty) == 1
                                                                 else "dem"))
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def used_placeholders(text: str) -> Sequence[str]:
    """The placeholder names ``text`` uses, in order of first use."""
    seen: dict[str, None] = {}
    for match in _PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)
