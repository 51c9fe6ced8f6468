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

-- Balances exist only for the months of a known fiscal period: a company whose fiscal years are not
-- synced has ledger lines but no balances, which is not a roll-forward error.
fiscal_months as (
    select distinct
        company_id,
        period_start_date
    from {{ ref('dim_fiscal_periods') }}
),

gl as (
    select
        ledger.company_id,
        ledger.account_code,
        ledger.accounting_month,
        sum(ledger.amount_debit_positive) as gl_movement
    from {{ ref('fct_general_ledger') }} as ledger
    inner join fiscal_months
        on
            ledger.company_id = fiscal_months.company_id
            and ledger.accounting_month = fiscal_months.period_start_date
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
