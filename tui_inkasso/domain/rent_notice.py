"""The rent sentence on reminders and demands: exact, cited, and only where chapter 12 applies.

Jordabalken 12 kap. (hyreslagen) applies to "avtal, genom vilket hus eller del av hus
upplåtes till nyttjande mot ersättning" (1 § first paragraph); it calls what is let a
*lägenhet*: a *bostadslägenhet* (dwelling) or a *lokal* (premises, every lägenhet that is not
a dwelling). 42 § first paragraph: "Hyresrätten är förverkad och hyresvärden berättigad att
säga upp avtalet att upphöra i förtid, 1. om hyresgästen, när det gäller en bostadslägenhet,
dröjer med att betala hyran mer än en vecka efter förfallodagen ..., 2. om hyresgästen, när
det gäller en lokal, dröjer med att betala hyran mer än två vardagar efter förfallodagen".
43 §: if the tenant pays (rättelse) before the landlord has used the right to terminate, the
tenant cannot be removed on that ground. 44 §: after a termination the tenant recovers the
tenancy by paying within three weeks (dwelling) or two weeks (premises) of being served the
notice of that right; that is the termination letter's business (issue 15), not a reminder's.

So a reminder may tell a tenant the statute's own rule, with its section: the grace period
runs from the due date, and the letter's own deadline does not extend it (the sentence it
replaces said the tenancy "kan vara förverkad" and told the tenant to pay by the letter's
deadline, which is not the law). It applies only to what is "hus eller del av hus": a parking
space outdoors is land, not a house, and is not covered; a garage or storage room inside a
building can be "del av hus" (a hovrätt held a space in a rock-cavern garage to be so,
lexnova.se "Yta i bergrumsgarage – hus i jordabalkens mening"), so those carry the sentence
only where the landlord configures it. See docs/dunning.md, "Rent arrears on the letters".
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from tui_inkasso.domain.sfi import SfiCategory

RENT_INVOICE_KIND = "rent"
"""The invoice kind that is rent (the other, "direct", is never rent under chapter 12)."""


class RentPremises(StrEnum):
    """Which forfeiture rule of 12 kap. 42 § a let object falls under."""

    DWELLING = "bostad"
    PREMISES = "lokal"

    @property
    def label(self) -> str:
        """The statute's word: bostadslägenhet or lokal."""
        return "bostadslägenhet" if self is RentPremises.DWELLING else "lokal"

    @property
    def section(self) -> str:
        """The point of 12 kap. 42 § first paragraph that governs it."""
        point = 1 if self is RentPremises.DWELLING else 2
        return f"12 kap. 42 § första stycket {point} jordabalken"

    @property
    def grace(self) -> str:
        """How long after the due date the tenant may pay before the tenancy is forfeited."""
        return "en vecka" if self is RentPremises.DWELLING else "två vardagar"


DEFAULT_RENT_NOTICE: Mapping[SfiCategory, RentPremises] = {
    SfiCategory.BOSTAD: RentPremises.DWELLING,
    SfiCategory.OVRIGA: RentPremises.PREMISES,
}
"""Dwellings and premises carry the sentence; parking, storage, garage and "ej vald" do not
unless configured."""


def rent_sentence(premises: RentPremises) -> str:
    """The exact rent sentence for a reminder or demand about rent of ``premises``."""
    return (f"Dröjer hyresgästen med att betala hyran mer än {premises.grace} efter "
            f"förfallodagen är hyresrätten förverkad och hyresvärden har rätt att säga upp "
            f"avtalet att upphöra i förtid ({premises.section}). Betalningstiden i detta brev "
            f"förlänger inte den fristen. Betalas hyran innan avtalet har sagts upp kan "
            f"hyresgästen inte skiljas från lägenheten på den grunden (12 kap. 43 § jordabalken).")


def rent_notice_premises(
    invoice_kind: str,
    category: SfiCategory | str | None,
    configured: Mapping[SfiCategory, RentPremises] | None = None,
) -> RentPremises | None:
    """Which rent sentence an invoice's letter carries, or None for none.

    Only rent carries one, and only for the object's SFI category in ``configured``
    (:data:`DEFAULT_RENT_NOTICE` when None).
    """
    if invoice_kind != RENT_INVOICE_KIND:
        return None
    cat = category if isinstance(category, SfiCategory) else SfiCategory.parse(category)
    return (DEFAULT_RENT_NOTICE if configured is None else configured).get(cat)


def rent_notice_problems(configured: Mapping[SfiCategory, RentPremises]) -> list[str]:
    """What is wrong with a configuration, in Swedish: only a dwelling category can be a
    bostadslägenhet (a garage or a storage room let on its own is a lokal at most)."""
    return [f"SFI-kategorin {cat.label} kan inte vara en bostadslägenhet; välj lokal eller ingen "
            f"hyresrad" for cat, premises in configured.items()
            if premises is RentPremises.DWELLING and cat is not SfiCategory.BOSTAD]


def parse_rent_notice_setting(text: str) -> dict[SfiCategory, RentPremises]:
    """Read the setting "bostad=bostad, ovriga=lokal, garage=lokal" into a configuration.

    Categories by code or Swedish name (``SfiCategory.parse``), premises "bostad" or "lokal".
    An empty text is an empty configuration (no letter carries the sentence). Raises
    ValueError in Swedish naming the faulty item.
    """
    result: dict[SfiCategory, RentPremises] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        cat_text, sep, premises_text = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r}: skriv kategori=bostad eller kategori=lokal")
        cat = SfiCategory.parse(cat_text)
        try:
            premises = RentPremises(premises_text.strip().lower())
        except ValueError:
            raise ValueError(f"{item!r}: {premises_text.strip()!r} ska vara bostad eller "
                             "lokal") from None
        if cat in result:
            raise ValueError(f"{item!r}: kategorin {cat.label} står två gånger")
        result[cat] = premises
    problems = rent_notice_problems(result)
    if problems:
        raise ValueError("; ".join(problems))
    return result


def format_rent_notice_setting(configured: Mapping[SfiCategory, RentPremises]) -> str:
    """The configuration as the setting's text, in the SFI categories' own order."""
    return ", ".join(f"{cat.value}={configured[cat].value}" for cat in SfiCategory
                     if cat in configured)
