"""Exact money arithmetic for the sandbox.

Everything that ends up in a ledger or an invoice total is a ``Decimal``; floats never touch money,
because the loader and dbt compare our figures to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half away from zero (Procountor and the dbt models use the same rule)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def implied_vat(net: Decimal, vat_percent: Decimal) -> Decimal:
    """VAT implied by a net ledger line: ``round_half_up(net * pct / 100, 2)`` (docs/architecture.md)."""
    return money(net * vat_percent / HUNDRED)


def cents_to_money(cents: int) -> Decimal:
    return (Decimal(cents) / HUNDRED).quantize(CENT)
