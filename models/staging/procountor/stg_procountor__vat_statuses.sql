with

source as (

    select * from {{ landing('vat_statuses') }}
    where not coalesce(_is_deleted, false)

),

unnested as (

    -- GET /vats/default lands as one object record {"vatInformation": [...], "vatStatuses": [...]}
    select
        source._company_id as company_id,
        {{ json_array_value('vs') }} as status_json,
        source._loaded_at as loaded_at
    from {{ unnest_json_array('source', '_data', '$.vatStatuses', 'vs') }}

),

final as (

    select
        company_id,
        {{ json_int('status_json', '$.vatStatus') }} as vat_status,
        {{ json_str('status_json', '$.description') }} as vat_status_description,
        coalesce({{ json_bool('status_json', '$.sales') }}, false) as is_sales,
        coalesce({{ json_bool('status_json', '$.purchase') }}, false) as is_purchase,
        loaded_at
    from unnested

)

select * from final
