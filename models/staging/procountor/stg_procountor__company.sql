with

source as (

    select * from {{ landing('company') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        {{ json_str('_data', '$.name') }} as company_name,
        {{ json_str('_data', '$.country') }} as country,
        {{ json_str('_data', '$.businessIdentifier.code') }} as business_id,
        {{ json_str('_data', '$.companyCurrency') }} as company_currency,
        {{ json_str('_data', '$.operationType') }} as operation_type,
        {{ json_str('_data', '$.accountingOfficeName') }} as accounting_office_name,
        _loaded_at as loaded_at
    from source

)

select * from final
