{#- One row per company x fiscal year x calendar month. Fiscal years come from Procountor and may be
    non-calendar (1.7-30.6) and 6-18 months long; tracking periods add Procountor's period status. -#}

with

fiscal_years as (

    select * from {{ ref('stg_procountor__fiscal_years') }}

),

tracking_periods as (

    select * from {{ ref('stg_procountor__tracking_periods') }}

),

month_offsets as (

    select n from {{ integers(24) }}

),

months as (

    select
        fiscal_years.company_id,
        fiscal_years.fiscal_year_id,
        fiscal_years.fiscal_year_label,
        fiscal_years.start_date as fiscal_year_start_date,
        fiscal_years.end_date as fiscal_year_end_date,
        fiscal_years.month_count as fiscal_year_month_count,
        fiscal_years.is_open as is_open_fiscal_year,
        month_offsets.n + 1 as fiscal_period_number,
        {{ add_months(month_start('fiscal_years.start_date'), 'month_offsets.n') }} as period_month
    from fiscal_years
    cross join month_offsets
    where month_offsets.n < fiscal_years.month_count

),

ranked_years as (

    select
        company_id,
        fiscal_year_id,
        row_number() over (partition by company_id order by start_date) as fiscal_year_sequence
    from fiscal_years

),

final as (

    select
        {{ key(['months.company_id', 'months.fiscal_year_id', 'months.fiscal_period_number']) }} as fiscal_period_key,
        months.company_id,
        months.fiscal_year_id,
        months.fiscal_year_label,
        ranked_years.fiscal_year_sequence,
        months.fiscal_year_start_date,
        months.fiscal_year_end_date,
        months.fiscal_year_month_count,
        months.is_open_fiscal_year,
        months.fiscal_period_number,
        months.period_month as period_start_date,
        {{ month_end('months.period_month') }} as period_end_date,
        {{ extract_year('months.period_month') }} as calendar_year,
        {{ extract_month('months.period_month') }} as calendar_month,
        tracking_periods.tracking_period_id,
        tracking_periods.period_status as tracking_period_status,
        months.fiscal_period_number = months.fiscal_year_month_count as is_fiscal_year_end
    from months
    inner join ranked_years
        on
            months.company_id = ranked_years.company_id
            and months.fiscal_year_id = ranked_years.fiscal_year_id
    left join tracking_periods
        on
            months.company_id = tracking_periods.company_id
            and months.fiscal_year_id = tracking_periods.fiscal_year_id
            and months.period_month = {{ month_start('tracking_periods.start_date') }}

)

select * from final
