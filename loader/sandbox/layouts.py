"""How a company's /reports/accounting looks: Procountor lets every company set its own layout.

"statutory" is the default Finnish layout (ledger.income_statement / balance_sheet as they are);
"english" has the same lines under English names; "accounts" lists account rows ("3000 Myynti")
with totals named otherwise. Figures are the same in every layout: only names and granularity move,
which is what a reconciliation that must hold on any real company has to survive.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .money import ZERO

# Deliberately not the seed's wording: a real company's English layout is its own.
_ENGLISH = {
    "INCOME_STATEMENT": {
        10: "Net turnover", 20: "Other operating income", 30: "Materials and services", 40: "Staff expenses",
        50: "Depreciation, amortisation and impairment", 60: "Other operating charges",
        70: "Operating result", 80: "Finance income and costs", 90: "Result before appropriations and taxes",
        100: "Appropriations", 110: "Income tax", 120: "RESULT FOR THE PERIOD",
    },
    "BALANCE_SHEET": {
        10: "Intangible assets", 20: "Property, plant and equipment", 30: "Investments", 40: "Inventories",
        50: "Receivables", 60: "Cash at bank and in hand", 70: "ASSETS TOTAL", 80: "Share capital",
        90: "Other funds", 100: "Retained earnings", 110: "Result for the period", 115: "EQUITY TOTAL",
        120: "Untaxed reserves",
        130: "Provisions", 140: "Long-term debt", 150: "Short-term debt", 160: "EQUITY AND LIABILITIES TOTAL",
    },
}

# Account-level layout: (total row name, account range) sections, then totals over sections.
_IS_SECTIONS = (("Tuotot yhteensä", 3000, 3999), ("Kulut yhteensä", 4000, 8999),
                ("Rahoituserät yhteensä", 9000, 9699), ("Siirrot ja verot yhteensä", 9700, 9999))


def english(kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = _ENGLISH.get(kind, {})
    return [dict(r, name=names.get(r["rowId"], r["name"])) for r in rows]


def _row(rows: list[dict[str, Any]], name: str, value: Decimal, formula: str | None, function: bool) -> None:
    rows.append({"rowId": len(rows) + 1, "type": "ROW_FUNCTION" if function else "BALANCE", "name": name,
                 "value": value, "formula": formula})


def accounts_income_statement(movement: dict[str, Decimal], names: dict[str, str]) -> list[dict[str, Any]]:
    """Credit-positive account rows per section, section totals, and the result last."""
    rows: list[dict[str, Any]] = []
    totals: list[Decimal] = []
    for title, low, high in _IS_SECTIONS:
        total = ZERO
        for code in sorted(c for c in movement if low <= int(c) <= high and movement[c] != ZERO):
            _row(rows, f"{code} {names.get(code, '')}".strip(), -movement[code], code, False)
            total += -movement[code]
        _row(rows, title, total, f"{low}-{high}", True)
        totals.append(total)
        if title == "Kulut yhteensä":
            _row(rows, "Liiketulos", totals[0] + totals[1], None, True)
    _row(rows, "TILIKAUDEN TULOS", sum(totals, ZERO), None, True)
    return rows


def accounts_balance_sheet(balances: dict[str, Decimal], names: dict[str, str], earlier_result: Decimal,
                           current_result: Decimal) -> list[dict[str, Any]]:
    """Assets debit-positive, equity and liabilities credit-positive, account by account; the
    results not yet booked to an account get rows of their own."""
    rows: list[dict[str, Any]] = []

    def section(low: int, high: int, sign: int) -> Decimal:
        total = ZERO
        for code in sorted(c for c in balances if low <= int(c) <= high and balances[c] != ZERO):
            _row(rows, f"{code} {names.get(code, '')}".strip(), sign * balances[code], code, False)
            total += sign * balances[code]
        return total

    assets = section(1000, 1999, 1)
    _row(rows, "Varat yhteensä", assets, "1000-1999", True)
    equity = section(2000, 2499, -1)
    _row(rows, "Aiempien kausien kirjaamaton tulos", earlier_result, None, False)
    _row(rows, "Kauden tulos", current_result, None, False)
    equity += earlier_result + current_result
    _row(rows, "Oma pääoma yhteensä", equity, None, True)
    debt = section(2500, 2999, -1)
    _row(rows, "Vieras pääoma yhteensä", debt, "2500-2999", True)
    _row(rows, "Pääoma yhteensä", equity + debt, None, True)
    return rows


