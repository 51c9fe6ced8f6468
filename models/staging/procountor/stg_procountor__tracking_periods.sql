{#- A view: the tracking periods base_procountor__fiscal_years parsed, one row per period. -#}

with

fiscal_years as (

    select
        company_id,
        fiscal_year_id,
        tracking_periods
    from {{ ref('base_procountor__fiscal_years') }}

),

final as (

    select
        company_id,
        tp_value.id as tracking_period_id,
        fiscal_year_id,
        {{ json_array_index('tp') }} + 1 as period_number,
        tp_value.startdate as start_date,
        tp_value.enddate as end_date,
        tp_value.status as period_status,
        tp_value.modified as modified_at
    from {{ unnest_array('fiscal_years', 'tracking_periods', 'tp') }}

)

select * from final
