{#- The Finnish statutory balance sheet (docs/architecture.md) per company x month-end x line.
    Assets debit-positive, equity and liabilities credit-positive. "Tilikauden voitto (tappio)" is the
    current fiscal year's result to the month-end; "Edellisten tilikausien voitto (tappio)" is
    accounts 2250-2399 plus the results of all earlier fiscal years (computed per fiscal year, so no
    closing entry is needed). Consolidated rows: company_id null, is_consolidated = true. -#}

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

account_line_balances as (

    select
        balances.company_id,
        balances.period_start_date,
        account_lines.line_order,
        sum(balances.cumulative_closing_balance) as closing_debit_positive
    from balances
    inner join account_lines
        on
            balances.company_id = account_lines.company_id
            and balances.account_code = account_lines.account_code
    where account_lines.report_type = 'BALANCE_SHEET'
    group by 1, 2, 3

),

results as (

    -- income-statement accounts: result since inception and result of the current fiscal year
    select
        company_id,
        period_start_date,
        sum(-cumulative_closing_balance) as result_since_inception,
        sum(-fiscal_ytd_movement) as result_fiscal_ytd
    from balances
    where report_type = 'INCOME_STATEMENT'
    group by 1, 2

),

line_spine as (

    select
        fiscal_periods.company_id,
        fiscal_periods.fiscal_year_id,
        fiscal_periods.fiscal_year_label,
        fiscal_periods.fiscal_period_number,
        fiscal_periods.period_start_date,
        fiscal_periods.period_end_date,
        lines.line_order,
        lines.line_name,
        lines.line_name_en,
        lines.line_kind,
        lines.normal_sign,
        lines.subtotal_from_order,
        lines.subtotal_to_order
    from fiscal_periods
    cross join lines

),

base_lines as (

    -- every non-subtotal line in its presentation sign
    select
        line_spine.company_id,
        line_spine.period_start_date,
        line_spine.line_order,
        line_spine.normal_sign * coalesce(account_line_balances.closing_debit_positive, 0)
        + case
            when line_spine.line_kind = 'retained_earnings'
                then coalesce(results.result_since_inception - results.result_fiscal_ytd, 0)
            when line_spine.line_kind = 'current_result'
                then coalesce(results.result_fiscal_ytd, 0)
            else 0
        end as amount
    from line_spine
    left join account_line_balances
        on
            line_spine.company_id = account_line_balances.company_id
            and line_spine.period_start_date = account_line_balances.period_start_date
            and line_spine.line_order = account_line_balances.line_order
    left join results
        on
            line_spine.company_id = results.company_id
            and line_spine.period_start_date = results.period_start_date
    where line_spine.line_kind != 'subtotal'

),

line_values as (

    select
        line_spine.company_id,
        line_spine.fiscal_year_id,
        line_spine.fiscal_year_label,
        line_spine.fiscal_period_number,
        line_spine.period_start_date,
        line_spine.period_end_date,
        line_spine.line_order,
        line_spine.line_name,
        line_spine.line_name_en,
        line_spine.line_kind,
        sum(coalesce(base_lines.amount, 0)) as amount
    from line_spine
    left join base_lines
        on
            line_spine.company_id = base_lines.company_id
            and line_spine.period_start_date = base_lines.period_start_date
            and (
                (line_spine.line_kind != 'subtotal' and base_lines.line_order = line_spine.line_order)
                or (
                    line_spine.line_kind = 'subtotal'
                    and base_lines.line_order between line_spine.subtotal_from_order and line_spine.subtotal_to_order
                )
            )
    group by all

),

per_company as (

    select
        company_id,
        false as is_consolidated,
        fiscal_year_id,
        fiscal_year_label,
        fiscal_period_number,
        period_start_date,
        period_end_date,
        line_order,
        line_name,
        line_name_en,
        line_kind,
        amount
    from line_values

),

consolidated as (

    {{ consolidated_rows(
        'per_company',
        null_columns=[('fiscal_year_id', 'int'), ('fiscal_year_label', 'text'), ('fiscal_period_number', 'int')],
        group_columns=['period_start_date', 'period_end_date', 'line_order', 'line_name', 'line_name_en', 'line_kind'],
        sum_columns=['amount'],
    ) }}

),

unioned as (

    select * from per_company
    union all
    select * from consolidated

),

final as (

    select
        {{ key([
            "coalesce(cast(company_id as " ~ type_text() ~ "), 'consolidated')",
            'period_end_date',
            'line_order',
        ]) }} as report_row_id,
        company_id,
        is_consolidated,
        fiscal_year_id,
        fiscal_year_label,
        fiscal_period_number,
        period_end_date as balance_date,
        period_start_date,
        period_end_date,
        line_order,
        line_name,
        line_name_en,
        line_kind,
        amount
    from unioned

)

select * from final
