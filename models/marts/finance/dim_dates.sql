{#- One row per company x day of every fiscal year, with calendar and fiscal attributes. -#}

with

fiscal_years as (

    select * from {{ ref('stg_procountor__fiscal_years') }}

),

days as (

    select
        fiscal_years.company_id,
        fiscal_years.fiscal_year_id,
        fiscal_years.fiscal_year_label,
        fiscal_years.start_date as fiscal_year_start_date,
        cast(date_day as date) as date_day
    from fiscal_years
    {{ date_spine_join('fiscal_years.start_date', 'fiscal_years.end_date', 'date_day') }}

),

final as (

    select
        {{ key(['company_id', 'date_day']) }} as date_key,
        company_id,
        date_day,
        {{ extract_year('date_day') }} as calendar_year,
        {{ extract_month('date_day') }} as calendar_month,
        {{ month_start('date_day') }} as month_start_date,
        {{ month_end('date_day') }} as month_end_date,
        date_day = {{ month_end('date_day') }} as is_month_end,
        {{ iso_weekday('date_day') }} as iso_weekday,
        {{ iso_weekday('date_day') }} >= 6 as is_weekend,
        fiscal_year_id,
        fiscal_year_label,
        {{ months_between('fiscal_year_start_date', 'date_day') }} + 1 as fiscal_period_number
    from days

)

select * from final
