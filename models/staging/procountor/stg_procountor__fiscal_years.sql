{#- A view: base_procountor__fiscal_years parsed the JSON once; this derives the year's length and label. -#}

with

renamed as (

    select
        company_id,
        fiscal_year_id,
        start_date,
        end_date,
        is_open,
        modified_at,
        loaded_at
    from {{ ref('base_procountor__fiscal_years') }}

),

final as (

    select
        company_id,
        fiscal_year_id,
        start_date,
        end_date,
        {{ months_between('start_date', 'end_date') }} + 1 as month_count,
        case
            when {{ extract_year('start_date') }} = {{ extract_year('end_date') }}
                then cast({{ extract_year('start_date') }} as {{ type_text() }})
            else concat(
                cast({{ extract_year('start_date') }} as {{ type_text() }}), '/',
                cast({{ extract_year('end_date') }} as {{ type_text() }})
            )
        end as fiscal_year_label,
        is_open,
        modified_at,
        loaded_at
    from renamed

)

select * from final
