{#- A view: the items base_procountor__dimensions parsed, one row per dimension item. -#}

with

dimensions as (

    select
        company_id,
        dimension_id,
        items
    from {{ ref('base_procountor__dimensions') }}

),

final as (

    select
        company_id,
        dimension_id,
        item_value.id as dimension_item_id,
        item_value.codename as item_code,
        item_value.description as item_description,
        -- Procountor omits `status` for active items and sends "P" (passive) for inactive ones
        coalesce(item_value.status, '') != 'P' as is_active
    from {{ unnest_array('dimensions', 'items', 'item') }}

)

select * from final
