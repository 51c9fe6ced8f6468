"""The books as generated, from which the derived receipts (VAT returns, payroll) take their amounts.

The ledger computes them, in the one pass of its aggregate, and registers here how; the documents and
the company only ask. The indirection keeps the package free of import cycles: the ledger reads the
documents' receipts, and the documents' derived receipts read the ledger's totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class BooksAsGenerated:
    """Per month (``YYYY-MM``): output VAT (credit, positive), input VAT (debit, positive) and revenue
    (credit-positive) of the receipts other than the derived ones, as first read."""

    output_vat: dict[str, Decimal]
    input_vat: dict[str, Decimal]
    revenue: dict[str, Decimal]


_compute: Callable[[Any], BooksAsGenerated] | None = None


def register(compute: Callable[[Any], BooksAsGenerated]) -> None:
    global _compute
    _compute = compute


def books(company: Any) -> BooksAsGenerated:
    """The company's books as generated (computed once, then kept)."""
    if _compute is None:
        raise RuntimeError("loader.sandbox.ledger registers how the books are computed; import it first")
    return _compute(company)
