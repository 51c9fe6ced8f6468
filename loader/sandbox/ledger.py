"""The general ledger of a company, computed from its own receipts, and the reports built on it.

This is deliberately independent of the receipt bodies' formatting: it walks the index, takes each
receipt's transactions, adds the implied VAT lines (2939 / 1763) and sums by day and account. The
aggregate is cached until the data changes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import derived, layouts
from .chart import BALANCE_SHEET, INCOME_STATEMENT, PURCHASE_VAT_ACCOUNT, SALES_VAT_ACCOUNT, ReportLine
from .documents import PAYROLL_KINDS, linked_invoices, receipt_transactions
from .money import ZERO, implied_vat

if TYPE_CHECKING:
    from .company import Company

EXCLUDED_STATUSES = frozenset(("INVALIDATED", "DELETED", "UNSAVED", "EMPTY"))
# (date, account, receipt type, receipt status) -> debit-positive amount
Aggregate = dict[tuple[str, str, str, str], Decimal]


_CHUNK = 2000


def _receipts_with_invoices(company: Company, sql: str) -> Iterator[tuple[Any, dict[int, Any]]]:
    """Receipt rows of ``sql`` with their linked invoice rows, fetched a chunk at a time (one query per
    chunk instead of one per receipt)."""
    rows = company.index.query(sql)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        invoices = linked_invoices(company, chunk)
        for rrow in chunk:
            yield rrow, invoices


def postings(company: Company, rrow: Any, invoices: dict[int, Any] | None = None) -> list[tuple[str, Decimal]]:
    """(account, debit-positive amount) of one receipt, implied VAT included."""
    out: list[tuple[str, Decimal]] = []
    for tx in receipt_transactions(company, rrow, invoices):
        value = tx["accountingValue"]
        out.append((tx["account"], value))
        vat_type = tx.get("vatType")
        if tx["transactionType"] == "ENTRY" and vat_type and tx["vatPercent"]:
            out.append((SALES_VAT_ACCOUNT if vat_type == "SALES" else PURCHASE_VAT_ACCOUNT,
                        implied_vat(value, tx["vatPercent"])))
    return out


def aggregate(company: Company) -> Aggregate:
    with company.lock:
        cached = getattr(company, "_ledger_cache", None)
        if cached is not None and cached[0] == company.index.generation:
            return cached[1]
        totals: Aggregate = defaultdict(lambda: ZERO)
        derived = []
        for rrow, invoices in _receipts_with_invoices(company, "SELECT * FROM receipts WHERE gone = 0"):
            if rrow["kind"] in DERIVED_KINDS:
                derived.append(rrow)
                continue
            for account, amount in postings(company, rrow, invoices):
                totals[(rrow["date"], account, rrow["type"], rrow["status"])] += amount
        if company.books_as_generated is None:
            _freeze(company, totals)
        for rrow in derived:
            for account, amount in postings(company, rrow):
                totals[(rrow["date"], account, rrow["type"], rrow["status"])] += amount
        result = dict(totals)
        company._ledger_cache = (company.index.generation, result)  # type: ignore[attr-defined]
        return result


# Receipts whose amounts derive from the other receipts (VAT returns, payroll): summed after them.
DERIVED_KINDS = frozenset(("VAT", "VATPAY")) | PAYROLL_KINDS


def _freeze(company: Company, totals: Aggregate) -> None:
    """Kept once computed: a VAT return booked and paid, or a payroll run, does not move when an invoice
    of its month is edited later (its version would not move either); an edit's VAT stays on the VAT
    accounts, as a correction does until the next return."""
    output_vat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    input_vat: dict[str, Decimal] = defaultdict(lambda: ZERO)
    revenue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (day, account, _rtype, status), amount in totals.items():
        if status in EXCLUDED_STATUSES:
            continue
        if account == SALES_VAT_ACCOUNT:
            output_vat[day[:7]] -= amount
        elif account == PURCHASE_VAT_ACCOUNT:
            input_vat[day[:7]] += amount
        elif 3000 <= int(account) <= 3899:
            revenue[day[:7]] -= amount
    company.books_as_generated = derived.BooksAsGenerated(dict(output_vat), dict(input_vat), dict(revenue))


def books_as_generated(company: Company) -> derived.BooksAsGenerated:
    with company.lock:
        if company.books_as_generated is None:
            aggregate(company)
        assert company.books_as_generated is not None
        return company.books_as_generated


derived.register(books_as_generated)


def balance_before(company: Company, account: str, day: str) -> Decimal:
    """Debit-positive balance of ``account`` from valid receipts dated before ``day``.

    Answered from per-day running totals built once per data generation (a bisect), not a scan of
    the aggregate per call: a page of 200 bank statements needs 200 of them."""
    with company.lock:
        key = (company.index.generation, account)
        cached = company.running_totals.get(key)
        if cached is None:
            per_day: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for (d, acc, _t, status), amount in aggregate(company).items():
                if acc == account and status not in EXCLUDED_STATUSES:
                    per_day[d] += amount
            days = sorted(per_day)
            running, total = [], ZERO
            for d in days:
                total += per_day[d]
                running.append(total)
            cached = (days, running)
            company.running_totals = {key: cached}
    days, running = cached
    n = bisect_left(days, day)
    return running[n - 1] if n else ZERO


def _select(company: Company, start: str | None, end: str, statuses: set[str] | None,
            types: set[str] | None) -> dict[str, Decimal]:
    """Debit-positive movement per account for receipts dated in [start, end]."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (day, account, rtype, status), amount in aggregate(company).items():
        if (start is not None and day < start) or day > end:
            continue
        if statuses is not None:
            if status not in statuses:
                continue
        elif status in EXCLUDED_STATUSES:
            continue
        if types is not None and rtype not in types:
            continue
        out[account] += amount
    return out


def fiscal_year_start(company: Company, on: str) -> str:
    for year in company.regs.fiscal_years:
        if year["startDate"] <= on <= year["endDate"]:
            return year["startDate"]
    return company.regs.fiscal_years[-1]["startDate"] if on > company.regs.fiscal_years[0]["endDate"] \
        else company.regs.fiscal_years[0]["startDate"]


def _range_sum(movement: dict[str, Decimal], line: ReportLine) -> Decimal:
    assert line.low is not None and line.high is not None
    return sum((v for acc, v in movement.items() if line.low <= int(acc) <= line.high), ZERO)


def _finish(lines: tuple[ReportLine, ...], values: dict[int, Decimal]) -> list[dict[str, Any]]:
    rows = []
    for line in lines:
        if line.sums:
            values[line.order] = sum((values[o] for o in line.sums), ZERO)
            rows.append({"rowId": line.order, "type": "ROW_FUNCTION", "name": line.name, "value": values[line.order],
                         "formula": "+".join(str(o) for o in line.sums)})
        else:
            rows.append({"rowId": line.order, "type": "BALANCE", "name": line.name, "value": values[line.order],
                         "formula": None if line.low is None else f"{line.low}-{line.high}"})
    return rows


def _account_names(company: Company) -> dict[str, str]:
    return {a["ledgerAccountCode"]: a["name"] for a in company.regs.accounts}


def income_statement(company: Company, start: str, end: str, statuses: set[str] | None = None,
                     types: set[str] | None = None, layout: str = "statutory") -> list[dict[str, Any]]:
    movement = _select(company, start, end, statuses, types)
    if layout == "accounts":
        return layouts.accounts_income_statement(movement, _account_names(company))
    values = {line.order: -_range_sum(movement, line) for line in INCOME_STATEMENT if not line.sums}
    rows = _finish(INCOME_STATEMENT, values)
    return layouts.english("INCOME_STATEMENT", rows) if layout == "english" else rows


def balance_sheet(company: Company, end: str, statuses: set[str] | None = None,
                  types: set[str] | None = None, layout: str = "statutory") -> list[dict[str, Any]]:
    balances = _select(company, None, end, statuses, types)
    fy_start = fiscal_year_start(company, end)
    earlier = _select(company, None, (date.fromisoformat(fy_start) - timedelta(days=1)).isoformat(), statuses, types)
    current = _select(company, fy_start, end, statuses, types)

    def pl(movement: dict[str, Decimal]) -> Decimal:  # credit-positive result
        return -sum((v for acc, v in movement.items() if int(acc) >= 3000), ZERO)

    if layout == "accounts":
        return layouts.accounts_balance_sheet(balances, _account_names(company), pl(earlier), pl(current))
    values: dict[int, Decimal] = {}
    for line in BALANCE_SHEET:
        if line.sums:
            continue
        if line.order == 110:
            values[110] = pl(current)
        elif line.order < 70:
            values[line.order] = _range_sum(balances, line)
        else:
            values[line.order] = -_range_sum(balances, line)
    values[100] += pl(earlier)
    rows = _finish(BALANCE_SHEET, values)
    return layouts.english("BALANCE_SHEET", rows) if layout == "english" else rows


def cash_flow(company: Company, start: str, end: str, statuses: set[str] | None = None,
              types: set[str] | None = None) -> list[dict[str, Any]]:
    """A minimal cash-flow statement: cash at start, change, cash at end (accounts 1900-1999)."""
    before = (date.fromisoformat(start) - timedelta(days=1)).isoformat()
    def cash(movement: dict[str, Decimal]) -> Decimal:
        return sum((v for a, v in movement.items() if 1900 <= int(a) <= 1999), ZERO)

    opening = cash(_select(company, None, before, statuses, types))
    change = cash(_select(company, start, end, statuses, types))
    return [
        {"rowId": 10, "type": "BALANCE", "name": "Rahavarat tilikauden alussa", "value": opening,
         "formula": "1900-1999"},
        {"rowId": 20, "type": "BALANCE", "name": "Rahavarojen muutos", "value": change, "formula": "1900-1999"},
        {"rowId": 30, "type": "ROW_FUNCTION", "name": "Rahavarat tilikauden lopussa", "value": opening + change,
         "formula": "10+20"},
    ]


def ledger_accounts(company: Company, start: str, end: str, statuses: set[str] | None = None,
                    types: set[str] | None = None, values: str = "movement") -> list[dict[str, Any]]:
    """Per account, debit-positive, rows named "code name": the movement in the period, or (the
    contract does not say which) closing balances -- balance-sheet accounts since inception,
    income-statement accounts since the fiscal year's start -- for every account ("closing") or for
    balance-sheet accounts only ("mixed")."""
    figures = _select(company, start, end, statuses, types)
    if values in ("closing", "mixed"):
        since_start = _select(company, None, end, statuses, types)
        year_to_date = _select(company, fiscal_year_start(company, end), end, statuses, types)
        closing = {a: v for a, v in since_start.items() if int(a) < 3000}
        if values == "closing":
            closing.update({a: v for a, v in year_to_date.items() if int(a) >= 3000})
        else:
            closing.update({a: v for a, v in figures.items() if int(a) >= 3000})
        figures = closing
    names = _account_names(company)
    return [{"name": f"{code} {names.get(code, '')}".strip(), "value": figures[code]}
            for code in sorted(figures) if figures[code] != ZERO]


def pl_by_month(company: Company) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (day, account, _rtype, status), amount in aggregate(company).items():
        if status in EXCLUDED_STATUSES or int(account) < 3000:
            continue
        out[day[:7]] -= amount
    return dict(sorted(out.items()))


def balances_by_month(company: Company) -> dict[str, dict[str, Decimal]]:
    """Closing balance (debit-positive, cumulative) of every account at the end of each month with activity."""
    monthly: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for (day, account, _rtype, status), amount in aggregate(company).items():
        if status in EXCLUDED_STATUSES:
            continue
        monthly[day[:7]][account] += amount
    running: dict[str, Decimal] = defaultdict(lambda: ZERO)
    out: dict[str, dict[str, Decimal]] = {}
    for month in sorted(monthly):
        for account, amount in monthly[month].items():
            running[account] += amount
        out[month] = {a: v for a, v in sorted(running.items()) if int(a) < 3000}
    return out


def general_ledger(company: Company) -> list[dict[str, Any]]:
    """Every posting of every valid receipt (implied VAT as its own line), for the truth API."""
    out = []
    for rrow, invoices in _receipts_with_invoices(company, "SELECT * FROM receipts WHERE gone = 0 ORDER BY id"):
        if rrow["status"] in EXCLUDED_STATUSES:
            continue
        for account, amount in postings(company, rrow, invoices):
            out.append({"receiptId": rrow["id"], "date": rrow["date"], "type": rrow["type"], "account": account,
                        "amount": amount})
    return out
