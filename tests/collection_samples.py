"""Plain-row samples for the collection file formats (cases, claims, corrections).

The identifiers pass their check digits (domain.identifiers), as the ledger's would.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tui_inkasso.domain.identifiers import ocr_with_check
from tui_inkasso.domain.sfi import SfiCategory
from tui_inkasso.formats.balance_xml import Correction
from tui_inkasso.formats.case_file import CaseRecord, Claim, Creditor, Debtor

CREDITOR = Creditor(
    owner_id=7,
    name="Bostads AB Ålgården",
    org_no="556036-0793",
    bankgiro="5050-1055",
    address="Box 12",
    postal_code="111 22",
    city="Stockholm",
    agency_customer_number="40123",
)
OTHER_CREDITOR = Creditor(owner_id=8, name="Fastighets AB Norr", org_no="556703-7485")

PERSON = Debtor(
    customer_number="K1001",
    name="Åsa Öberg",
    national_id="19811218-9876",
    is_company=False,
    address="Storgatan 1",
    postal_code="123 45",
    city="Västerås",
    email="asa@example.se",
)
COMPANY = Debtor(
    customer_number="K2002",
    name="Pizzeria Ängen AB",
    national_id="202100-5489",
    is_company=True,
    address="Torget 3",
    postal_code="722 10",
    city="Västerås",
)


def claim(
    number: str = "F1001",
    *,
    case_number: str = "2026-0001",
    capital_ore: int = 850_000,
    fees_ore: int = 6_000,
    interest_ore: int = 1_234,
    sfi: SfiCategory = SfiCategory.BOSTAD,
    kind: str = "rent",
) -> Claim:
    """A rent claim with a valid OCR built from the invoice number's digits."""
    digits = "".join(c for c in number if c.isdigit()) or "1"
    return Claim(
        case_number=case_number,
        invoice_number=number,
        kind=kind,
        invoice_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        ocr=ocr_with_check(digits),
        capital_ore=capital_ore,
        fees_ore=fees_ore,
        interest_ore=interest_ore,
        sfi_category=sfi,
        object_id="1-101",
        object_address="Storgatan 1, lgh 1101",
        last_dunning_level=2,
        last_dunning_date=date(2026, 3, 2),
    )


def case(
    number: str = "2026-0001",
    *,
    debtor: Debtor = PERSON,
    creditor: Creditor = CREDITOR,
    claims: tuple[Claim, ...] | None = None,
) -> CaseRecord:
    """A case of one debtor; two claims unless given."""
    if claims is None:
        claims = (
            claim("F1001", case_number=number),
            claim("F1002", case_number=number, capital_ore=120_050, fees_ore=0, interest_ore=0),
        )
    return CaseRecord(case_number=number, creditor=creditor, debtor=debtor, claims=claims)


def sample_cases() -> list[CaseRecord]:
    """A person with two rent invoices and a company with a direct invoice on parking."""
    return [
        case("2026-0001"),
        case(
            "2026-0002",
            debtor=COMPANY,
            claims=(
                claim(
                    "D77",
                    case_number="2026-0002",
                    kind="direct",
                    sfi=SfiCategory.PARKERING,
                    capital_ore=99_900,
                ),
            ),
        ),
    ]


def many_cases(count: int, *, creditor: Creditor = CREDITOR) -> list[CaseRecord]:
    """``count`` cases with one to three claims each, for size tests and the benchmark."""
    out = []
    for i in range(count):
        number = f"2026-{i:06d}"
        debtor = replace(PERSON, customer_number=f"K{i:06d}", name=f"Kund {i} Åberg")
        claims = tuple(
            claim(
                f"F{i:06d}{j}",
                case_number=number,
                capital_ore=100_000 + i + j,
                sfi=list(SfiCategory)[i % 6],
            )
            for j in range(1 + i % 3)
        )
        out.append(CaseRecord(number, creditor, debtor, claims))
    return out


def correction(number: int = 1, **changes: object) -> Correction:
    """A bankgiro payment on an invoice in collection."""
    base = Correction(
        correction_id=str(number),
        case_number="2026-0001",
        customer_number="K1001",
        customer_name="Åsa Öberg & Co <AB>",
        national_id="19811218-9876",
        invoice_number=f"F{1000 + number}",
        ocr=ocr_with_check(str(1000 + number)),
        kind="payment",
        date=date(2026, 4, 1),
        amount_ore=50_000 + number,
        payment_method="bankgiro",
        agency_reference="IJ-778899" if number % 2 else "",
    )
    return replace(base, **changes)  # type: ignore[arg-type]
