{#- Opening, movement and closing per company x account x month, built the aggregate -> spine ->
    window way. Debit-positive. Balance-sheet accounts accumulate since inception; income-statement
    accounts accumulate within the fiscal year (opening 0 in period 1). `cumulative_closing_balance`
    accumulates every account since inception (the trial balance before year-end closing). -#}

with

gl as (

    select * from {{ ref('fct_general_ledger') }}

),

fiscal_periods as (

    select * from {{ ref('dim_fiscal_periods') }}

),

account_lines as (

    select * from {{ ref('int_account_report_lines') }}

),

monthly_movements as (

    select
        company_id,
        account_code,
        accounting_month,
        sum(amount_debit_positive) as movement,
        sum(debit_amount) as debit_total,
        sum(credit_amount) as credit_total,
        count(*) as entry_count
    from gl
    group by 1, 2, 3

),

company_accounts as (

    select distinct
        company_id,
        account_code
    from monthly_movements

),

spine as (

    -- every month of every fiscal year for every account with activity
    select
        company_accounts.company_id,
        company_accounts.account_code,
        fiscal_periods.fiscal_year_id,
        fiscal_periods.fiscal_period_number,
        fiscal_periods.fiscal_period_key,
        fiscal_periods.period_start_date,
        fiscal_periods.period_end_date
    from company_accounts
    inner join fiscal_periods
        on company_accounts.company_id = fiscal_periods.company_id

),

joined as (

    select
        spine.*,
        coalesce(account_lines.report_type, 'UNMAPPED') as report_type,
        coalesce(monthly_movements.movement, 0) as movement,
        coalesce(monthly_movements.debit_total, 0) as debit_total,
        coalesce(monthly_movements.credit_total, 0) as credit_total,
        coalesce(monthly_movements.entry_count, 0) as entry_count
    from spine
    left join monthly_movements
        on
            spine.company_id = monthly_movements.company_id
            and spine.account_code = monthly_movements.account_code
            and spine.period_start_date = monthly_movements.accounting_month
    left join account_lines
        on
            spine.company_id = account_lines.company_id
            and spine.account_code = account_lines.account_code

),

windowed as (

    select
        *,
        sum(movement) over (
            partition by company_id, account_code
            order by period_start_date
            rows between unbounded preceding and current row
        ) as cumulative_closing_balance,
        sum(movement) over (
            partition by company_id, account_code, fiscal_year_id
            order by period_start_date
            rows between unbounded preceding and current row
        ) as fiscal_ytd_movement
    from joined

),

final as (

    select
        {{ key(['company_id', 'account_code', 'period_start_date']) }} as balance_id,
        company_id,
        account_code,
        report_type,
        report_type = 'BALANCE_SHEET' as is_balance_sheet_account,
        fiscal_year_id,
        fiscal_period_number,
        fiscal_period_key,
        period_start_date,
        period_end_date,
        case
            when report_type = 'INCOME_STATEMENT' then fiscal_ytd_movement - movement
            else cumulative_closing_balance - movement
        end as opening_balance,
        movement,
        debit_total,
        credit_total,
        case
            when report_type = 'INCOME_STATEMENT' then fiscal_ytd_movement
            else cumulative_closing_balance
        end as closing_balance,
        fiscal_ytd_movement,
        cumulative_closing_balance,
        entry_count
    from windowed

)

select * from final
