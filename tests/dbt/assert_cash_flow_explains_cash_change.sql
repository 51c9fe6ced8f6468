-- Opening cash + net cash flow = closing cash, every company and month.
with flows as (
    select
        company_id,
        period_start_date,
        sum(amount) as net_cash_flow,
        max(cash_opening_balance) as cash_opening_balance,
        max(cash_closing_balance) as cash_closing_balance
    from {{ ref('rpt_cash_flow') }}
    where not is_consolidated
    group by 1, 2
)

select *
from flows
where abs(cash_opening_balance + net_cash_flow - cash_closing_balance) > {{ var('procountor_tolerance') }}
