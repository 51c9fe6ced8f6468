{#- The balance-sheet line "Edellisten tilikausien voitto (tappio)" (line_kind retained_earnings) split
    by the fiscal year the money comes from: per company x month-end x source fiscal year, the result of
    that (earlier) fiscal year plus the movement on the retained-earnings accounts (2250-2399 by default:
    dividends, transfers) posted in it up to the month-end. The rows of one company and month-end sum to
    the balance-sheet line (tested). Credit-positive, as on the balance sheet. Per company only: fiscal
    years differ between companies, so there are no consolidated rows. -#}

with

balances as (

    select * from {{ ref('fct_gl_balances_monthly') }}

),

account_lines as (

    select * from {{ ref('int_account_report_lines') }}

),

lines as (

    select * from {{ ref('procountor_statement_lines') }}
    where report_type = 'BALANCE_SHEET'

),

fiscal_periods as (

    select * from {{ ref('dim_fiscal_periods') }}

),

fiscal_years as (

    select distinct
        company_id,
        fiscal_year_id,
        fiscal_year_label,
        fiscal_year_start_date,
        fiscal_year_end_date
    from fiscal_periods

),

retained_earnings_accounts as (

    select
        account_lines.company_id,
        account_lines.account_code,
        lines.line_order,
        lines.line_name,
        lines.line_name_en
    from account_lines
    inner join lines
        on
            account_lines.report_type = lines.report_type
            and account_lines.line_order = lines.line_order
    where lines.line_kind = 'retained_earnings'

),

retained_earnings_line as (

    select
        line_order,
        line_name,
        line_name_en
    from lines
    where line_kind = 'retained_earnings'

),

monthly_movements as (

    -- credit-positive movement per company x month x the fiscal year the month belongs to
    select
        balances.company_id,
        balances.fiscal_year_id as source_fiscal_year_id,
        balances.period_start_date,
        sum(case when balances.report_type = 'INCOME_STATEMENT' then -balances.movement else 0 end) as result_movement,
        sum(
            case when retained_earnings_accounts.account_code is not null then -balances.movement else 0 end
        ) as retained_earnings_account_movement
    from balances
    left join retained_earnings_accounts
        on
            balances.company_id = retained_earnings_accounts.company_id
            and balances.account_code = retained_earnings_accounts.account_code
    where
        balances.report_type = 'INCOME_STATEMENT'
        or retained_earnings_accounts.account_code is not null
    group by 1, 2, 3

),

month_ends as (

    select
        company_id,
        fiscal_year_id,
        fiscal_year_label,
        fiscal_year_start_date,
        period_start_date,
        period_end_date
    from fiscal_periods

),

as_of_month_end as (

    -- everything up to the month-end; the result only of months before the current fiscal year
    select
        month_ends.company_id,
        month_ends.period_end_date as balance_date,
        month_ends.fiscal_year_id,
        month_ends.fiscal_year_label,
        monthly_movements.source_fiscal_year_id,
        sum(
            case
                when monthly_movements.period_start_date < month_ends.fiscal_year_start_date
                    then monthly_movements.result_movement
                else 0
            end
        ) as prior_year_result,
        sum(monthly_movements.retained_earnings_account_movement) as retained_earnings_account_movement
    from month_ends
    inner join monthly_movements
        on
            month_ends.company_id = monthly_movements.company_id
            and monthly_movements.period_start_date <= month_ends.period_start_date
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ key(['as_of_month_end.company_id', 'as_of_month_end.balance_date', 'as_of_month_end.source_fiscal_year_id']) }}
            as retained_earnings_row_id,
        as_of_month_end.company_id,
        as_of_month_end.balance_date,
        as_of_month_end.fiscal_year_id,
        as_of_month_end.fiscal_year_label,
        retained_earnings_line.line_order,
        retained_earnings_line.line_name,
        retained_earnings_line.line_name_en,
        as_of_month_end.source_fiscal_year_id,
        coalesce(fiscal_years.fiscal_year_label, 'before the first fiscal year') as source_fiscal_year_label,
        fiscal_years.fiscal_year_start_date as source_fiscal_year_start_date,
        fiscal_years.fiscal_year_end_date as source_fiscal_year_end_date,
        coalesce(as_of_month_end.source_fiscal_year_id = as_of_month_end.fiscal_year_id, false) as is_current_fiscal_year,
        as_of_month_end.prior_year_result,
        as_of_month_end.retained_earnings_account_movement,
        as_of_month_end.prior_year_result + as_of_month_end.retained_earnings_account_movement as amount
    from as_of_month_end
    cross join retained_earnings_line
    left join fiscal_years
        on
            as_of_month_end.company_id = fiscal_years.company_id
            and as_of_month_end.source_fiscal_year_id = fiscal_years.fiscal_year_id
    where
        as_of_month_end.prior_year_result != 0
        or as_of_month_end.retained_earnings_account_movement != 0

)

select * from final
