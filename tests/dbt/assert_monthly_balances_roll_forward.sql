-- Each month's closing balance = the next month's opening balance (income-statement accounts restart
-- at 0 in the first period of a fiscal year), and movement = the month's ledger lines.
with ordered as (
    select
        company_id,
        account_code,
        report_type,
        fiscal_year_id,
        period_start_date,
        opening_balance,
        closing_balance,
        lead(opening_balance) over (
            partition by company_id, account_code order by period_start_date
        ) as next_opening_balance,
        lead(fiscal_year_id) over (
            partition by company_id, account_code order by period_start_date
        ) as next_fiscal_year_id
    from {{ ref('fct_gl_balances_monthly') }}
),

gl as (
    select
        company_id,
        account_code,
        accounting_month,
        sum(amount_debit_positive) as gl_movement
    from {{ ref('fct_general_ledger') }}
    group by 1, 2, 3
),

movements as (
    select
        b.company_id,
        b.account_code,
        b.period_start_date
    from {{ ref('fct_gl_balances_monthly') }} as b
    full outer join gl
        on
            b.company_id = gl.company_id
            and b.account_code = gl.account_code
            and b.period_start_date = gl.accounting_month
    where abs(coalesce(b.movement, 0) - coalesce(gl.gl_movement, 0)) > {{ var('procountor_tolerance') }}
)

select
    company_id,
    account_code,
    period_start_date,
    'roll_forward' as failure
from ordered
where
    next_opening_balance is not null
    and not (report_type = 'INCOME_STATEMENT' and next_fiscal_year_id != fiscal_year_id)
    and abs(closing_balance - next_opening_balance) > {{ var('procountor_tolerance') }}

union all

select
    company_id,
    account_code,
    period_start_date,
    'movement_vs_ledger' as failure
from movements
