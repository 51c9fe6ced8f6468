-- Assets = equity + liabilities at every month-end, per company and consolidated.
with totals as (
    select
        company_id,
        balance_date,
        sum(case when line_order = 70 then amount else 0 end) as total_assets,
        sum(case when line_order = 160 then amount else 0 end) as total_equity_and_liabilities
    from {{ ref('rpt_balance_sheet') }}
    group by 1, 2
)

select *
from totals
where abs(total_assets - total_equity_and_liabilities) > {{ var('procountor_tolerance') }}
