with

source as (

    select * from {{ landing('product_groups') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as product_group_id,
        {{ json_str('_data', '$.name') }} as product_group_name,
        {{ json_str('_data', '$.type') }} as product_group_type,
        _loaded_at as loaded_at
    from source

)

select * from final
