with

source as (

    select * from {{ landing('fiscal_years') }}
    where not coalesce(_is_deleted, false)

),

renamed as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as fiscal_year_id,
        {{ json_date('_data', '$.startDate') }} as start_date,
        {{ json_date('_data', '$.endDate') }} as end_date,
        coalesce({{ json_bool('_data', '$.isOpen') }}, false) as is_open,
        {{ json_timestamp('_data', '$.modified') }} as modified_at,
        _loaded_at as loaded_at
    from source

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
