"""The letter of one notice, checked against the law before it may be issued.

A run (``services/dunning_run.py``) and a rebuilt reprint (``services/dunning_reprint.py``) fill
a :class:`~tui_inkasso.formats.letter.LetterData` and hand it here:

* the level's text gets its placeholders filled from the letter's own figures
  (``domain.letter_requirements.PLACEHOLDERS``: ``{att_betala}``, ``{ranta_procent}`` ...);
* :func:`letter_problems` lists every part the law asks for that the letter lacks
  (``domain.letter_requirements.missing_parts``: for an inkassokrav the capital, the interest
  with its rate, the day it runs from and the capital it runs on, each fee, the total, a deadline
  of at least 8 days moved over holidays, the creditor and how to reach them, the line about
  objecting; for a reminder the date to pay by) and whether it fits its page. A letter with a
  problem is not issued: the run stops and names the invoice and what is missing.

The reference rates a letter needs (räntelagen 9 §) come from :class:`RateTable`, which refuses a
half year without its rate with the message that names it and where to enter it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from tui_inkasso.db.models import Owner
from tui_inkasso.domain.identifiers import format_bankgiro, format_plusgiro
from tui_inkasso.domain.interest import InterestError, ReferenceRate
from tui_inkasso.domain.letter_requirements import (
    FeeLine,
    LetterFacts,
    fill_placeholders,
    missing_parts,
    placeholder_values,
)
from tui_inkasso.domain.level_kinds import LevelKind
from tui_inkasso.domain.reference_rates import (
    missing_half_years_for,
    missing_rate_message,
    rate_periods,
)
from tui_inkasso.domain.rent_notice import (
    RentPremises,
    parse_rent_notice_setting,
    rent_notice_premises,
)
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.formats.letter import LetterData, fee_label, fit_problem
from tui_inkasso.services.errors import DunningError
from tui_inkasso.services.settings import get_setting

Periods = tuple[tuple[dt.date, dt.date, int], ...]


class RateTable:
    """The reference rates a run uses, with the rate periods of each letter cached.

    A run's letters share a few hundred due dates, so each (first day, last day) pair is worked
    out once. A half year without its own row is refused (:meth:`missing`, :meth:`periods`).
    """

    def __init__(self, rates: Iterable[ReferenceRate]) -> None:
        self.rates = list(rates)
        self._periods: dict[tuple[dt.date, dt.date], Periods] = {}
        self._missing: dict[tuple[dt.date, dt.date], tuple[dt.date, ...]] = {}

    def missing(self, first_day: dt.date, last_day: dt.date) -> tuple[dt.date, ...]:
        """The half years from ``first_day`` to ``last_day`` that have no rate of their own."""
        key = (first_day, last_day)
        found = self._missing.get(key)
        if found is None:
            found = self._missing[key] = tuple(missing_half_years_for(self.rates, first_day, last_day))
        return found

    def periods(self, moved_due: dt.date, to_date: dt.date) -> Periods:
        """(first, last, rate) of the interest days after ``moved_due`` up to ``to_date``.

        Raises DunningError with the missing half year named when a rate is missing.
        """
        key = (moved_due, to_date)
        found = self._periods.get(key)
        if found is None:
            try:
                found = tuple((p.first, p.last, p.rate_bp)
                              for p in rate_periods(moved_due, to_date, self.rates))
            except InterestError as exc:
                raise DunningError(str(exc)) from None
            self._periods[key] = found
        return found


def refuse_missing_rates(missing: Iterable[dt.date]) -> None:
    """Raise DunningError naming every half year in ``missing`` (nothing when it is empty)."""
    message = missing_rate_message(missing)
    if message:
        raise DunningError(message)


def rent_notice_config() -> dict[SfiCategory, RentPremises]:
    """Which SFI categories' rent letters carry the rent sentence (``dunning.rent_notice``)."""
    return parse_rent_notice_setting(get_setting("dunning.rent_notice"))


def rent_premises(invoice_kind: str, sfi: str | None,
                  configured: dict[SfiCategory, RentPremises]) -> str:
    """"bostad", "lokal" or "": the rent sentence an invoice's letter carries."""
    try:
        premises = rent_notice_premises(invoice_kind, sfi, configured)
    except ValueError:
        return ""
    return premises.value if premises is not None else ""


def letter_facts(letter: LetterData, deadline_days: int) -> LetterFacts:
    """What ``letter`` shows, as ``domain.letter_requirements`` checks it."""
    fees = []
    if letter.fee_ore:
        fees.append(FeeLine(fee_label(letter), letter.fee_ore, this_letter=True))
    if letter.earlier_fees_ore:
        fees.append(FeeLine("Tidigare avgifter", letter.earlier_fees_ore))
    kind = LevelKind(letter.level_kind)
    return LetterFacts(
        kind=kind, issued_on=letter.issued_on, payment_deadline=letter.payment_deadline,
        creditor_name=letter.owner_name, creditor_phone=letter.owner_phone,
        creditor_email=letter.owner_email, creditor_address=letter.owner_address,
        debtor_name=letter.customer_name, claim_reference=letter.invoice_number,
        capital_ore=letter.capital_ore, interest_ore=letter.interest_ore,
        interest_rate_bp=letter.interest_rates[-1][2] if letter.interest_rates else None,
        interest_from=letter.interest_from, interest_to=letter.interest_to or letter.issued_on,
        interest_capital_ore=letter.capital_ore if letter.interest_rates else None,
        fees=tuple(fees), total_ore=letter.total_ore,
        has_objection_line=kind.is_collection_demand, deadline_days=deadline_days,
    )


def with_filled_text(letter: LetterData, deadline_days: int) -> LetterData:
    """``letter`` with its level text's placeholders filled from its own figures.

    Raises DunningError naming the invoice when the text uses one the letter has no value for.
    """
    if "{" not in letter.letter_text:
        return letter
    values = placeholder_values(letter_facts(letter, deadline_days))
    try:
        text = fill_placeholders(letter.letter_text, values)
    except ValueError as exc:
        raise DunningError(f"Brevet för faktura {letter.invoice_number} ({letter.level_name}): "
                           f"{exc}; inget har registrerats.") from None
    return dataclasses.replace(letter, letter_text=text)


def letter_problems(letter: LetterData, deadline_days: int, *, page: bool = True) -> list[str]:
    """Every part the law asks of ``letter`` that it lacks, and (``page``) whether it fits its
    page. A run leaves the page to the rendering, which refuses a letter that does not fit."""
    problems = missing_parts(letter_facts(letter, deadline_days))
    if page and (reason := fit_problem(letter)):
        problems.append(reason)
    return problems


def checked(letters: Sequence[tuple[LetterData, int]]) -> None:
    """Refuse the run when any letter lacks a part: DunningError naming the first few."""
    refused = []
    for letter, deadline_days in letters:
        problems = letter_problems(letter, deadline_days, page=False)
        if problems:
            refused.append(f"Faktura {letter.invoice_number} ({letter.level_name}): "
                           + "; ".join(problems))
    if refused:
        more = f"\n... och {len(refused) - 5} brev till" if len(refused) > 5 else ""
        raise DunningError("Breven uppfyller inte lagens krav och skickades inte (inkassolagen 5 §, "
                           "docs/dunning.md):\n" + "\n".join(refused[:5]) + more
                           + "\nInget har registrerats.")


def pay_to(owner: Owner) -> str:
    """The owner's bankgiro as printed (plusgiro, marked, when there is no bankgiro)."""
    if owner.bankgiro:
        return format_bankgiro(owner.bankgiro)
    return f"PG {format_plusgiro(owner.plusgiro)}" if owner.plusgiro else ""


def owner_address(owner: Owner) -> tuple[str, ...]:
    """The owner's postal address as the letter prints it, empty lines left out."""
    return tuple(x for x in (owner.address, f"{owner.postal_code} {owner.city}".strip()) if x)
