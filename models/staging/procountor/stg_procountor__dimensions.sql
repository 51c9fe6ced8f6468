{#- A view: base_procountor__dimensions parsed the JSON once; this picks the dimension's columns. -#}

with

dimensions as (

    select * from {{ ref('base_procountor__dimensions') }}

),

final as (

    select
        company_id,
        dimension_id,
        dimension_name,
        loaded_at
    from dimensions

)

select * from final
