with

source as (

    select * from {{ landing('products') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as product_id,
        {{ json_str('_data', '$.type') }} as product_type,
        {{ json_str('_data', '$.name') }} as product_name,
        {{ json_str('_data', '$.code') }} as product_code,
        {{ json_str('_data', '$.unit') }} as unit,
        {{ json_decimal('_data', '$.price') }} as unit_price,
        {{ json_decimal('_data', '$.discount') }} as discount_percent,
        {{ json_decimal('_data', '$.vat') }} as vat_percent,
        {{ json_int('_data', '$.vatStatus') }} as vat_status,
        {{ json_str('_data', '$.currency') }} as currency,
        {{ json_str('_data', '$.defaultAccount') }} as default_account_code,
        {{ json_int('_data', '$.productGroupId') }} as product_group_id,
        coalesce({{ json_bool('_data', '$.active') }}, true) as is_active,
        {{ json_timestamp('_data', '$.version') }} as version_at,
        _loaded_at as loaded_at
    from source

)

select * from final
