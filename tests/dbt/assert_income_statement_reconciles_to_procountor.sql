-- Every monthly income-statement line equals Procountor's own /reports/accounting to the cent.
with procountor as (
    select
company_id,
period_start_date,
period_end_date,
line_name,
amount
    from {{ ref('stg_procountor__accounting_report_lines') }}
    where report_type = 'INCOME_STATEMENT'
),

ours as (
    select
company_id,
period_start_date,
period_end_date,
line_name,
amount_month as amount
    from {{ ref('rpt_profit_and_loss') }}
    where not is_consolidated
)

select
    procountor.company_id,
    procountor.period_end_date,
    procountor.line_name,
    procountor.amount as procountor_amount,
    ours.amount as our_amount
from procountor
left join ours
    on
        procountor.company_id = ours.company_id
        and procountor.period_start_date = ours.period_start_date
        and procountor.period_end_date = ours.period_end_date
        and procountor.line_name = ours.line_name
where ours.amount is null or abs(procountor.amount - ours.amount) > {{ var('procountor_tolerance') }}
