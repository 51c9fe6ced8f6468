-- The fiscal-YTD result of the income statement = "Tilikauden voitto (tappio)" on the balance sheet.
with pl as (
    select
        company_id,
        period_end_date,
        amount_fiscal_ytd
    from {{ ref('rpt_profit_and_loss') }}
    where line_order = 120 and not is_consolidated
),

bs as (
    select
        company_id,
        balance_date,
        amount
    from {{ ref('rpt_balance_sheet') }}
    where line_kind = 'current_result' and not is_consolidated
)

select
    pl.company_id,
    pl.period_end_date,
    pl.amount_fiscal_ytd,
    bs.amount
from pl
full outer join bs
    on pl.company_id = bs.company_id and pl.period_end_date = bs.balance_date
where abs(coalesce(pl.amount_fiscal_ytd, 0) - coalesce(bs.amount, 0)) > {{ var('procountor_tolerance') }}
