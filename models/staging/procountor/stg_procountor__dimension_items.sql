with

source as (

    select * from {{ landing('dimensions') }}
    where not coalesce(_is_deleted, false)

),

unnested as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as dimension_id,
        {{ json_array_value('item') }} as item_json
    from {{ unnest_json_array('source', '_data', '$.items', 'item') }}

),

final as (

    select
        company_id,
        dimension_id,
        {{ json_int('item_json', '$.id') }} as dimension_item_id,
        {{ json_str('item_json', '$.codeName') }} as item_code,
        {{ json_str('item_json', '$.description') }} as item_description,
        -- Procountor omits `status` for active items and sends "P" (passive) for inactive ones
        coalesce({{ json_str('item_json', '$.status') }}, '') != 'P' as is_active
    from unnested

)

select * from final
