"""Finnish VAT rates by date and product category.

* general rate 24 % until 2024-08-31, 25.5 % from 2024-09-01;
* food and restaurant services 14 %, 13.5 % from 2025-01-01;
* books, medicines, passenger transport, accommodation 10 %, moved to 14 % from 2025-01-01;
* newspapers and periodicals stay at 10 %;
* zero-rated (exports, intra-community sales, daily allowances) 0 %.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

GENERAL = "GENERAL"
FOOD = "FOOD"
REDUCED = "REDUCED"
PRESS = "PRESS"
ZERO = "ZERO"

_GENERAL_CHANGE = date(2024, 9, 1)
_REDUCED_CHANGE = date(2025, 1, 1)


def vat_percent(category: str, on: date) -> Decimal:
    if category == GENERAL:
        return Decimal("25.5") if on >= _GENERAL_CHANGE else Decimal("24")
    if category == FOOD:
        return Decimal("13.5") if on >= _REDUCED_CHANGE else Decimal("14")
    if category == REDUCED:
        return Decimal("14") if on >= _REDUCED_CHANGE else Decimal("10")
    if category == PRESS:
        return Decimal("10")
    return Decimal("0")


# vatStatus codes (GET /vats/default): 1 = domestic taxable, 2 = zero-rated domestic,
# 6 = intra-community sale of goods, 12 = export outside the EU.
VAT_STATUSES = (
    (1, "Kotimaan verollinen myynti/osto", True, True),
    (2, "Veroton kotimaan myynti/osto", True, True),
    (6, "Tavaroiden yhteisömyynti", True, False),
    (12, "Tavaroiden vienti EU:n ulkopuolelle", True, False),
)

ALL_FINNISH_RATES = ("25.5", "24", "14", "13.5", "10", "0")
