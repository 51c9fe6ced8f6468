{#- Income-statement lines per company x month compared with the previous month, the same fiscal
    period of the previous fiscal year (period n of FY-1, not the calendar month), and fiscal YTD vs
    the prior fiscal YTD at the same period number; absolute and % change (% of the absolute base). -#}

with

pl as (

    select * from {{ ref('rpt_profit_and_loss') }}
    where not is_consolidated

),

fiscal_years as (

    select
        company_id,
        fiscal_year_id,
        fiscal_year_sequence
    from {{ ref('dim_fiscal_periods') }}
    group by 1, 2, 3

),

sequenced as (

    select
        pl.*,
        fiscal_years.fiscal_year_sequence
    from pl
    inner join fiscal_years
        on
            pl.company_id = fiscal_years.company_id
            and pl.fiscal_year_id = fiscal_years.fiscal_year_id

),

compared as (

    select
        cur.company_id,
        cur.fiscal_year_id,
        cur.fiscal_year_label,
        cur.fiscal_period_number,
        cur.period_start_date,
        cur.period_end_date,
        cur.line_order,
        cur.line_name,
        cur.line_name_en,
        cur.amount_month,
        prev_month.amount_month as amount_previous_month,
        prev_year.amount_month as amount_same_period_previous_year,
        cur.amount_fiscal_ytd,
        prev_year.amount_fiscal_ytd as amount_previous_fiscal_ytd
    from sequenced as cur
    left join sequenced as prev_month
        on
            cur.company_id = prev_month.company_id
            and cur.line_order = prev_month.line_order
            and prev_month.period_start_date = {{ add_months('cur.period_start_date', -1) }}
    left join sequenced as prev_year
        on
            cur.company_id = prev_year.company_id
            and cur.line_order = prev_year.line_order
            and prev_year.fiscal_year_sequence = cur.fiscal_year_sequence - 1
            and prev_year.fiscal_period_number = cur.fiscal_period_number

),

final as (

    select
        {{ key(['company_id', 'period_start_date', 'line_order']) }} as comparison_row_id,
        *,
        amount_month - amount_previous_month as change_vs_previous_month,
        {{ divide_money('amount_month - amount_previous_month', 'abs(amount_previous_month)', scale=6) }}
            as pct_change_vs_previous_month,
        amount_month - amount_same_period_previous_year as change_vs_previous_year,
        {{ divide_money('amount_month - amount_same_period_previous_year', 'abs(amount_same_period_previous_year)', scale=6) }}
            as pct_change_vs_previous_year,
        amount_fiscal_ytd - amount_previous_fiscal_ytd as change_fiscal_ytd,
        {{ divide_money('amount_fiscal_ytd - amount_previous_fiscal_ytd', 'abs(amount_previous_fiscal_ytd)', scale=6) }}
            as pct_change_fiscal_ytd
    from compared

)

select * from final
