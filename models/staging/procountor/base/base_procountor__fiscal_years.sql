{{ config(materialized='table') }}

{#- The one parse of the fiscal_years landing table: each fiscal year's JSON read once, its tracking
    periods kept as an array for stg_procountor__tracking_periods. A small table rebuilt on every run. -#}

{%- set fiscal_year = {
    'startDate': 'date', 'endDate': 'date', 'isOpen': 'bool', 'modified': 'timestamp',
    'trackingPeriods': [{'id': 'int', 'startDate': 'date', 'endDate': 'date', 'status': 'text', 'modified': 'timestamp'}],
} -%}

with

source as (

    select * from {{ landing('fiscal_years') }}
    where not coalesce(_is_deleted, false)

),

parsed as (

    select
        _company_id,
        _record_id,
        _loaded_at,
        {{ json_parse('_data', fiscal_year) }} as doc
    from source

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as fiscal_year_id,
        doc.startdate as start_date,
        doc.enddate as end_date,
        coalesce(doc.isopen, false) as is_open,
        doc.modified as modified_at,
        doc.trackingperiods as tracking_periods,
        _loaded_at as loaded_at
    from parsed

)

select * from final
