"""The generated company's books look like a healthy Finnish SME's, read through the built marts.

These are properties of our sandbox's generator (docs/sandbox.md, "The generated company"), checked
through the marts a first-time user looks at: positive cash at every month-end, VAT netted every month
and paid to the tax authority by the 12th of the second month, payroll liabilities paid the month after,
positive equity and a modest positive result. They prove the demo company believable and the marts able to
show it -- consistency of our generator with its own description, not agreement with a real company.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest

from loader.sandbox.chart import (
    PENSION_PAYABLE_ACCOUNT,
    SOCIAL_SECURITY_PAYABLE_ACCOUNT,
    UNEMPLOYMENT_PAYABLE_ACCOUNT,
    VAT_PAYABLE_ACCOUNT,
    WITHHOLDING_ACCOUNT,
)
from tests.user.warehouse import Warehouse

F = "main_finance"


def _months_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@pytest.fixture(scope="module")
def complete_month_ends(warehouse: Warehouse) -> list[date]:
    """Month-ends the company's month-end bookings are done for (the current month's are not yet)."""
    rows = warehouse.sql(f"""
        select distinct period_end_date from {F}.fct_gl_balances_monthly
        where period_end_date < (select max(receipt_date) from {F}.fct_general_ledger)
        order by 1""")
    months = [r[0] for r in rows]
    assert len(months) >= 30, months
    return months


def _balance_sheet_line(warehouse: Warehouse, line_order: int) -> dict[date, Decimal]:
    rows = warehouse.sql(f"""
        select balance_date, sum(amount) from {F}.rpt_balance_sheet
        where not is_consolidated and line_order = ? group by 1 order by 1""", [line_order])
    return {r[0]: Decimal(r[1]) for r in rows}


def test_cash_is_positive_at_every_month_end(warehouse: Warehouse, complete_month_ends: list[date]) -> None:
    cash = _balance_sheet_line(warehouse, 60)  # Rahat ja pankkisaamiset
    assert set(complete_month_ends) <= set(cash)
    negative = {d: v for d, v in cash.items() if v < 0}
    assert not negative, negative
    assert all(v > 0 for v in cash.values())


def test_equity_is_positive_at_every_month_end(warehouse: Warehouse, complete_month_ends: list[date]) -> None:
    equity = _balance_sheet_line(warehouse, 115)  # OMA PÄÄOMA YHTEENSÄ
    assert set(complete_month_ends) <= set(equity)
    assert all(v > 0 for v in equity.values()), {d: v for d, v in equity.items() if v <= 0}


def test_vat_accounts_are_settled_every_month(warehouse: Warehouse, complete_month_ends: list[date]) -> None:
    """Output and input VAT are netted to the VAT payable account at each month-end, so both are zero
    there; they never accumulate."""
    rows = warehouse.sql(f"""
        select b.period_end_date, b.account_code, b.closing_balance
        from {F}.fct_gl_balances_monthly as b
        inner join {F}.dim_accounts as a on b.company_id = a.company_id and b.account_code = a.account_code
        where a.is_vat_account""")
    seen = {(r[0], r[1]): Decimal(r[2]) for r in rows if r[0] in complete_month_ends}
    assert {code for _, code in seen} == {"2939", "1763"}
    unsettled = {k: v for k, v in seen.items() if v != 0}
    assert not unsettled, unsettled


def test_vat_settled_is_the_vat_summary_of_the_month(warehouse: Warehouse,
                                                    complete_month_ends: list[date]) -> None:
    """What each month's settlement moves off the output and input VAT accounts is that month's VAT in
    rpt_vat_summary (the figures of the OmaVero return)."""
    settled = {(r[0].replace(day=1), r[1]): Decimal(r[2]) for r in warehouse.sql(f"""
        select receipt_date, account_code, sum(amount_debit_positive) from {F}.fct_general_ledger
        where receipt_type = 'JOURNAL' and account_code in ('2939', '1763') group by 1, 2""")}
    # rpt_vat_summary shows both sales and deductible purchase VAT positive; the settlement debits the
    # output VAT account and credits the input VAT account
    summary = {(r[0], "2939" if r[1] == "SALES" else "1763"): Decimal(r[2]) * (1 if r[1] == "SALES" else -1)
               for r in warehouse.sql(f"""
        select vat_period_start_date, vat_type, sum(vat_amount) from {F}.rpt_vat_summary group by 1, 2""")}
    months = {d.replace(day=1) for d in complete_month_ends}
    assert {m for m, _ in settled} == months
    for key, amount in settled.items():
        assert amount == summary.get(key, Decimal(0)), key
    assert sum(1 for v in settled.values() if v) > len(months)


def test_vat_is_paid_by_the_12th_of_the_second_month(warehouse: Warehouse, complete_month_ends: list[date]) -> None:
    """Every monthly VAT settlement is paid from the bank in the second month after it (due the 12th, a
    weekend moving it to the Monday), so the VAT payable holds at most the last two months' VAT."""
    rows = warehouse.sql(f"""
        select receipt_date, receipt_type, amount_debit_positive from {F}.fct_general_ledger
        where account_code = ? and not is_opening_entry order by receipt_date""", [VAT_PAYABLE_ACCOUNT])
    settlements = {r[0]: Decimal(r[2]) for r in rows if r[1] == "JOURNAL"}
    payments = [(r[0], Decimal(r[2])) for r in rows if r[1] != "JOURNAL"]
    assert set(complete_month_ends) <= set(settlements)
    last_day = max(r[0] for r in rows)
    for month_end, amount in settlements.items():
        due_month = _months_after(month_end, 2)
        if due_month.replace(day=15) > last_day:
            continue
        paid = [d for d, v in payments if v == -amount and due_month.replace(day=1) <= d <= due_month.replace(day=14)]
        assert paid, (month_end, amount)
    closing = {r[0]: Decimal(r[1]) for r in warehouse.sql(f"""
        select period_end_date, closing_balance from {F}.fct_gl_balances_monthly where account_code = ?""",
                                                          [VAT_PAYABLE_ACCOUNT])}
    for previous, month_end in pairwise(complete_month_ends):
        assert closing[month_end] == settlements[month_end] + settlements[previous], month_end


@pytest.mark.parametrize("account", [WITHHOLDING_ACCOUNT, SOCIAL_SECURITY_PAYABLE_ACCOUNT, PENSION_PAYABLE_ACCOUNT,
                                     UNEMPLOYMENT_PAYABLE_ACCOUNT])
def test_payroll_liabilities_are_paid_the_next_month(warehouse: Warehouse, complete_month_ends: list[date],
                                                     account: str) -> None:
    """Withholding and social security (to the tax authority by the 12th), TyEL and unemployment insurance
    (to the insurers by the 20th): at a month-end only that month's payroll is owed."""
    rows = warehouse.sql(f"""
        select period_end_date, closing_balance, credit_total from {F}.fct_gl_balances_monthly
        where account_code = ?""", [account])
    by_month = {r[0]: (Decimal(r[1]), Decimal(r[2])) for r in rows}
    for month_end in complete_month_ends[1:]:  # the first month also carries the opening balance's credit
        closing, credits = by_month[month_end]
        assert credits > 0 and closing == -credits, (month_end, closing, credits)


def test_each_closed_fiscal_year_has_a_modest_profit(warehouse: Warehouse) -> None:
    rows = warehouse.sql(f"""
        select fiscal_year_id,
            sum(case when line_order = 10 then amount_month end),
            sum(case when line_order = 120 then amount_month end),
            max(period_end_date)
        from {F}.rpt_profit_and_loss where company_id is not null group by 1 order by 1""")
    closed = [r for r in rows if r[3] < max(r[3] for r in rows)]
    assert closed
    for fiscal_year, revenue, result, _end in closed:
        assert 0 < Decimal(result) < Decimal("0.25") * Decimal(revenue), (fiscal_year, revenue, result)


def test_customers_pay_mostly_by_the_due_date(warehouse: Warehouse) -> None:
    (on_time, paid) = warehouse.sql(f"""
        select count(*) filter (where last_payment_date <= due_date), count(*)
        from {F}.fct_invoices
        where invoice_type = 'SALES_INVOICE' and is_valid and last_payment_date is not null""")[0]
    assert paid > 50 and 0.6 < on_time / paid < 0.95, (on_time, paid)


def test_owners_get_a_dividend_after_each_closed_fiscal_year(warehouse: Warehouse) -> None:
    """Paid in the autumn after a fiscal year's accounts, from retained earnings: the cash-flow statement's
    dividends line carries it, and retained earnings fall by it."""
    rows = warehouse.sql(f"""
        select period_start_date, sum(amount) from {F}.rpt_cash_flow
        where not is_consolidated and cash_flow_line_order = 70 and amount != 0 group by 1 order by 1""")
    paid = {r[0]: Decimal(r[1]) for r in rows}
    assert [(d.year, d.month) for d in paid] == [(2025, 10), (2026, 10)], paid
    assert all(v < 0 for v in paid.values())
