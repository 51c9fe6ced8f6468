with

source as (

    select * from {{ landing('persons') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as person_id,
        {{ json_str('_data', '$.firstName') }} as first_name,
        {{ json_str('_data', '$.lastName') }} as last_name,
        {{ json_str('_data', '$.deliveryAddress.city') }} as city,
        coalesce({{ json_bool('_data', '$.registryInfo.active') }}, true) as is_active,
        _loaded_at as loaded_at
    from source

)

select * from final
