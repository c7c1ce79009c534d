"""What the demo ledger is made of: its owners, object types, names, charges and payer habits.

Plain data, no database: the builder draws from these tables with its seeded random generator, so
changing an entry changes the demo for every seed (and the tests that count its rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tui_inkasso.domain.codes import AccountRole, InvoiceKind, PaymentKind, PaymentMethod

DEMO_USER = "demo"
"""Who the demo says created its runs, cases and payments."""

AGENCY_BANKGIRO = "5051057"
"""The collection agency's bankgiro: the demo's agency payments come from it."""

AGENCY_NAME = "Inkassobyrån Exempel AB"
MIN_INVOICES = 500
MAX_INVOICES = 5_000_000
MONTHS = 24
"""Months of rent invoices, ending with the latest one issued on the business date."""

FLUSH_EVERY = 40_000
"""Invoices buffered before the buffers are written (bounds memory at a million invoices)."""

BIG_CUSTOMER_NUMBER = "K900001"
"""The company with hundreds of parking invoices (ledger-view benchmark)."""

@dataclass(frozen=True)
class DemoLevel:
    """A dunning level of the demo (the same as the issue's configuration)."""

    level: int
    name: str
    days: int
    fee: int
    deadline_days: int
    letter_text: str
    kind: str
    """``domain.level_kinds.LevelKind`` code."""


LEVELS = (
    DemoLevel(1, "Påminnelse", 8, 6000, 10,
              "Vi har ännu inte fått betalt för fakturan nedan. Betala senast förfallodagen "
              "i detta brev. Har du redan betalat kan du bortse från påminnelsen.", "reminder"),
    DemoLevel(2, "Krav", 10, 0, 10,
              "Trots påminnelse har fakturan nedan inte betalats. Betalar du inte senast "
              "förfallodagen i detta brev lämnas fordran till inkasso.", "reminder_no_fee"),
)
"""A reminder with the reminder fee, then a last reminder without fee that says the claim goes
to collection: by inkassolagen 1 § that is no collection measure, so it charges no collection
fee (docs/dunning.md, "The law"); the agency sends the inkassokrav."""

DEMO_REFERENCE_RATES = ((dt.date(2026, 7, 1), 200),)
"""Half years after the shipped table (domain/reference_rates.py) that the demo's dates need,
with the rate the demo assumes (2,00 %, the half year before's). Entered by the demo as staff
would enter them; never shipped as the law's rate."""


@dataclass(frozen=True)
class OwnerSpec:
    code: str
    name: str
    city: str
    postal: str
    weight: int
    dunning_lag: int
    """Days before the business date when this owner last ran reminders and demands."""
    collection_lag: int
    """Days before the business date when this owner last created collection cases."""
    overpayment_account: bool = True


OWNERS = (
    OwnerSpec("SBF", "Stadsbyggen Fastigheter AB", "Stockholm", "11", 5, 2, 16),
    OwnerSpec("BAN", "Bostads AB Norrsken", "Umeå", "90", 3, 38, 52),
    OwnerSpec("KLA", "Kvarterets Lokaler AB", "Göteborg", "41", 2, 9, 23, overpayment_account=False),
    OwnerSpec("HGS", "Hyresgården i Söder AB", "Malmö", "21", 3, 4, 30),
    OwnerSpec("FAA", "Fastighets AB Älvstranden", "Uppsala", "75", 2, 15, 20),
)

ACCOUNT_NUMBERS = {
    AccountRole.RECEIVABLES: "1510",
    AccountRole.BANK: "1930",
    AccountRole.PREPAYMENTS: "2420",
    AccountRole.COLLECTION_OVERPAYMENT: "2421",
    AccountRole.FEE_INCOME: "3591",
    AccountRole.INTEREST_INCOME: "8313",
    AccountRole.RENT_INCOME: "3010",
}

# code, name, SFI category, monthly rent range in kr, VAT for companies, row text
OBJECT_TYPES = (
    ("LGH", "Lägenhet", "bostad", (4200, 14500), False, "Hyra"),
    ("LOK", "Butikslokal", "ovriga", (9000, 48000), True, "Lokalhyra"),
    ("PP", "Parkeringsplats", "parkering", (350, 950), True, "P-plats"),
    ("FRD", "Förråd", "lager", (150, 600), True, "Förråd"),
    ("GAR", "Garage", "garage", (900, 1800), True, "Garage"),
    ("OVR", "Övrigt", "ej_vald", (100, 900), True, "Hyra övrigt"),
    ("KONT", "Kontor", "ovriga", (7000, 36000), True, "Kontorshyra"),
)

AREAS = ("Centrum", "Norr", "Söder", "Väster", "Öster", "Hamnen", "Gamla stan", "Stationsområdet")
BLOCKS = (
    "Kvarnen", "Lärkan", "Svalan", "Eken", "Björken", "Måsen", "Tranan", "Hägern", "Lönnen",
    "Almen", "Oxeln", "Rönnen", "Granen", "Tallen", "Vitsippan", "Blåklockan", "Smedjan",
    "Bryggan", "Sågen", "Hammaren", "Ankaret", "Fyren", "Skeppet", "Rosen", "Liljan", "Näckrosen",
)
STREETS = (
    "Storgatan", "Kyrkogatan", "Drottninggatan", "Kungsgatan", "Skolgatan", "Parkvägen",
    "Björkvägen", "Ekvägen", "Stationsgatan", "Hamngatan", "Torggatan", "Norra vägen",
    "Södra Långgatan", "Västra Allén", "Östra Ringvägen", "Sjögatan", "Trädgårdsgatan",
)
FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kristina", "Elin", "Ida", "Sofia",
    "Linnea", "Maja", "Astrid", "Ingrid", "Fatima", "Amira", "Johanna", "Malin", "Hanna",
    "Lars", "Mikael", "Anders", "Johan", "Erik", "Per", "Karl", "Peter", "Thomas", "Daniel",
    "Oscar", "Ali", "Mohammed", "Jonas", "Fredrik", "Henrik", "Magnus", "Nils", "Gustav", "Olle",
)
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Ali", "Mohammed", "Öberg",
    "Åberg", "Holm", "Ekström",
)
COMPANY_WORDS = (
    "Bageriet", "Frisörsalongen", "Tandläkarhuset", "Bokhandeln", "Caféet", "Konsultbyrån",
    "Redovisningsbyrån", "Blomsterhandeln", "Skomakaren", "Elfirman", "Målerifirman",
    "Gymmet", "Pizzerian", "Optikern", "Kemtvätten", "Cykelverkstaden", "Arkitektkontoret",
)
COMPANY_SUFFIX = ("AB", "AB", "AB", "HB", "Handelsbolag", "& Co AB")
DIRECT_CHARGES = (
    ("Byte av lås", 900, 2500),
    ("Extra nyckel", 250, 600),
    ("Flyttstädning", 2500, 6500),
    ("Reparation av dörr", 1500, 5200),
    ("Skadegörelse i tvättstuga", 800, 3000),
    ("Bortforsling av kvarlämnade saker", 1200, 4000),
    ("Vattenskada, självrisk", 3000, 9000),
    ("Byte av spishäll", 2800, 7000),
)
MONTH_NAMES = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)

# Payer profiles and what they do with one invoice: (on time, late, partial, unpaid).
AUTOGIRO, GOOD, SLOPPY, BAD = 0, 1, 2, 3
OUTCOMES: dict[int, tuple[float, float, float]] = {
    AUTOGIRO: (0.99, 0.997, 0.997),
    GOOD: (0.965, 0.997, 0.999),
    SLOPPY: (0.78, 0.95, 0.975),
    BAD: (0.45, 0.75, 0.87),
}
"""Cumulative thresholds for on time / late / partial; above the last one: unpaid."""
ON_TIME = {profile: thresholds[0] for profile, thresholds in OUTCOMES.items()}


RENT = InvoiceKind.RENT.value
DIRECT = InvoiceKind.DIRECT.value
PAYMENT = PaymentKind.PAYMENT.value
BANKGIRO_METHOD = PaymentMethod.BANKGIRO.value
AUTOGIRO_METHOD = PaymentMethod.AUTOGIRO.value
BOOKED = "booked"

CHANNELS = {
    0: (PaymentKind.PAYMENT.value, PaymentMethod.BANKGIRO.value, "", ""),
    1: (PaymentKind.PAYMENT.value, PaymentMethod.AUTOGIRO.value, "", ""),
    2: (PaymentKind.PAYMENT.value, PaymentMethod.INKASSO.value, AGENCY_BANKGIRO, AGENCY_NAME),
    3: (PaymentKind.CREDIT.value, PaymentMethod.CREDIT.value, "", "Kreditfaktura"),
}
"""Payment channel -> (kind, method, sender account, payer name; empty = the customer's own)."""
