{{ config(materialized='table') }}

{#- The one parse of the dimensions landing table: each dimension's JSON read once, its items kept as
    an array for stg_procountor__dimension_items. A small table rebuilt on every run. -#}

{%- set dimension = {
    'name': 'text',
    'items': [{'id': 'int', 'codeName': 'text', 'description': 'text', 'status': 'text'}],
} -%}

with

source as (

    select * from {{ landing('dimensions') }}
    where not coalesce(_is_deleted, false)

),

parsed as (

    select
        _company_id,
        _record_id,
        _loaded_at,
        {{ json_parse('_data', dimension) }} as doc
    from source

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as dimension_id,
        doc.name as dimension_name,
        doc.items as items,
        _loaded_at as loaded_at
    from parsed

)

select * from final
