{#- The Finnish statutory income statement (docs/architecture.md) per company x month x line, with
    the month, fiscal year to date and rolling 12 months. Values are credit-positive (revenue
    positive, costs negative). Consolidated rows (all companies summed) have company_id null and
    is_consolidated = true. -#}

with

balances as (

    select * from {{ ref('fct_gl_balances_monthly') }}
    where report_type = 'INCOME_STATEMENT'

),

account_lines as (

    select * from {{ ref('int_account_report_lines') }}
    where report_type = 'INCOME_STATEMENT'

),

lines as (

    select * from {{ ref('procountor_statement_lines') }}
    where report_type = 'INCOME_STATEMENT'

),

fiscal_periods as (

    select * from {{ ref('dim_fiscal_periods') }}

),

account_line_months as (

    select
        balances.company_id,
        balances.period_start_date,
        account_lines.line_order,
        sum(-balances.movement) as amount_month,
        sum(-balances.fiscal_ytd_movement) as amount_fiscal_ytd
    from balances
    inner join account_lines
        on
            balances.company_id = account_lines.company_id
            and balances.account_code = account_lines.account_code
    group by 1, 2, 3

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
        lines.subtotal_from_order,
        lines.subtotal_to_order
    from fiscal_periods
    cross join lines

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
        line_spine.subtotal_from_order,
        line_spine.subtotal_to_order,
        sum(coalesce(account_line_months.amount_month, 0)) as amount_month,
        sum(coalesce(account_line_months.amount_fiscal_ytd, 0)) as amount_fiscal_ytd
    from line_spine
    left join account_line_months
        on
            line_spine.company_id = account_line_months.company_id
            and line_spine.period_start_date = account_line_months.period_start_date
            and (
                (line_spine.line_kind = 'accounts' and account_line_months.line_order = line_spine.line_order)
                or (
                    line_spine.line_kind = 'subtotal'
                    and account_line_months.line_order between line_spine.subtotal_from_order and line_spine.subtotal_to_order
                )
            )
    group by all

),

with_rolling as (

    select
        *,
        sum(amount_month) over (
            partition by company_id, line_order
            order by period_start_date
            rows between 11 preceding and current row
        ) as amount_rolling_12m,
        count(*) over (
            partition by company_id, line_order
            order by period_start_date
            rows between 11 preceding and current row
        ) as rolling_months_available
    from line_values

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
        amount_month,
        amount_fiscal_ytd,
        amount_rolling_12m,
        rolling_months_available
    from with_rolling

),

consolidated as (

    {#- companies may have different fiscal years: the consolidated fiscal YTD is the sum of each
        company's own fiscal YTD at that calendar month #}
    {{ consolidated_rows(
        'per_company',
        null_columns=[('fiscal_year_id', 'int'), ('fiscal_year_label', 'text'), ('fiscal_period_number', 'int')],
        group_columns=['period_start_date', 'period_end_date', 'line_order', 'line_name', 'line_name_en', 'line_kind'],
        sum_columns=['amount_month', 'amount_fiscal_ytd', 'amount_rolling_12m'],
        min_columns=['rolling_months_available'],
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
            'period_start_date',
            'line_order',
        ]) }} as report_row_id,
        *
    from unioned

)

select * from final
