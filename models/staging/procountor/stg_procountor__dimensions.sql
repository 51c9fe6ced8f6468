with

source as (

    select * from {{ landing('dimensions') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as dimension_id,
        {{ json_str('_data', '$.name') }} as dimension_name,
        _loaded_at as loaded_at
    from source

)

select * from final
