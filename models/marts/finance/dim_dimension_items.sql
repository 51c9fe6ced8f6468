{#- Dimension items (cost centres, projects ...) with their dimension; ids and names both kept. -#}

with

dimensions as (

    select * from {{ ref('stg_procountor__dimensions') }}

),

items as (

    select * from {{ ref('stg_procountor__dimension_items') }}

),

final as (

    select
        {{ key(['items.company_id', 'items.dimension_id', 'items.dimension_item_id']) }} as dimension_item_key,
        items.company_id,
        items.dimension_id,
        dimensions.dimension_name,
        items.dimension_item_id,
        items.item_code,
        items.item_description,
        items.is_active
    from items
    left join dimensions
        on
            items.company_id = dimensions.company_id
            and items.dimension_id = dimensions.dimension_id

)

select * from final
