-- At every month-end, the per-fiscal-year breakdown of "Edellisten tilikausien voitto (tappio)" sums to
-- the balance-sheet line, for every company.
with balance_sheet as (
    select
        company_id,
        balance_date,
        amount
    from {{ ref('rpt_balance_sheet') }}
    where not is_consolidated and line_kind = 'retained_earnings'
),

breakdown as (
    select
        company_id,
        balance_date,
        sum(amount) as amount
    from {{ ref('rpt_retained_earnings_by_fiscal_year') }}
    group by 1, 2
)

select
    balance_sheet.company_id,
    balance_sheet.balance_date,
    balance_sheet.amount as balance_sheet_amount,
    breakdown.amount as breakdown_amount
from balance_sheet
left join breakdown
    on
        balance_sheet.company_id = breakdown.company_id
        and balance_sheet.balance_date = breakdown.balance_date
where abs(balance_sheet.amount - coalesce(breakdown.amount, 0)) > {{ var('procountor_tolerance') }}
