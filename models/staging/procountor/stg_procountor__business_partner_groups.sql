with

source as (

    select * from {{ landing('business_partner_groups') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as partner_group_id,
        {{ json_str('_data', '$.name') }} as partner_group_name,
        {{ json_str('_data', '$.type') }} as partner_group_type,
        coalesce({{ json_bool('_data', '$.active') }}, true) as is_active,
        _loaded_at as loaded_at
    from source

)

select * from final
