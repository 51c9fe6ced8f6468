{#- Trial balance per company x month-end: every account's closing balance (debit-positive;
    balance-sheet accounts since inception, income-statement accounts fiscal year to date) plus one
    row for the undistributed result of earlier fiscal years, so that each month sums to zero. -#}

with

balances as (

    select * from {{ ref('fct_gl_balances_monthly') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_rows as (

    select
        balances.company_id,
        balances.fiscal_year_id,
        balances.fiscal_period_number,
        balances.period_end_date,
        'account' as row_type,
        balances.account_code,
        accounts.account_name_fi,
        accounts.report_type,
        balances.opening_balance,
        balances.movement,
        balances.closing_balance
    from balances
    left join accounts
        on
            balances.company_id = accounts.company_id
            and balances.account_code = accounts.account_code

),

prior_years_result as (

    select
        company_id,
        fiscal_year_id,
        fiscal_period_number,
        period_end_date,
        'prior_years_result' as row_type,
        cast(null as {{ type_text() }}) as account_code,
        'Edellisten tilikausien tulos (kirjaamaton)' as account_name_fi,
        'BALANCE_SHEET' as report_type,
        sum(cumulative_closing_balance - fiscal_ytd_movement) as opening_balance,
        cast(0 as {{ type_money() }}) as movement,
        sum(cumulative_closing_balance - fiscal_ytd_movement) as closing_balance
    from balances
    where report_type = 'INCOME_STATEMENT'
    group by 1, 2, 3, 4

),

unioned as (

    select * from account_rows
    union all
    select * from prior_years_result

),

final as (

    select
        {{ key(['company_id', 'period_end_date', "coalesce(account_code, row_type)"]) }} as trial_balance_row_id,
        company_id,
        fiscal_year_id,
        fiscal_period_number,
        period_end_date,
        row_type,
        account_code,
        account_name_fi,
        report_type,
        opening_balance,
        movement,
        closing_balance,
        case when closing_balance > 0 then closing_balance else 0 end as closing_debit,
        case when closing_balance < 0 then -closing_balance else 0 end as closing_credit
    from unioned

)

select * from final
