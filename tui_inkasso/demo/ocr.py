"""OCR references for the demo's invoice numbers, fast enough for a million of them."""

from __future__ import annotations

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _luhn_sum(digits: str, *, double_last: bool) -> int:
    """Luhn's weighted digit sum; ``double_last`` says whether the rightmost digit is doubled."""
    total = 0
    double = double_last
    for ch in reversed(digits):
        digit = ord(ch) - 48
        total += _DOUBLED[digit] if double else digit
        double = not double
    return total


_TAIL_SUMS = {f"{n:03d}": _luhn_sum(f"{n:03d}", double_last=True) for n in range(1000)}
_HEAD_SUMS: dict[str, int] = {}


def demo_ocr(number: str) -> str:
    """The OCR reference of an invoice number: length digit, then the Luhn digit.

    The same result as :func:`tui_inkasso.domain.identifiers.ocr_with_check` (the tests compare
    every invoice), computed from cached partial sums: python-stdnum's generic Luhn costs 30 µs
    a number here, half a minute at a million invoices. Sequential numbers share their head, so
    only the last three digits are looked up each time.
    """
    base = number + str((len(number) + 2) % 10)
    if len(base) < 4:
        return base + str(-_luhn_sum(base, double_last=True) % 10)
    head = base[:-3]
    part = _HEAD_SUMS.get(head)
    if part is None:
        part = _HEAD_SUMS[head] = _luhn_sum(head, double_last=False)
    return base + str(-(part + _TAIL_SUMS[base[-3:]]) % 10)
