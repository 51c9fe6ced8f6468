{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows('invoices', 'invoice_id') }}"
    )
}}

with

source as (

    {{ changed_landing_rows('invoices', 'invoice_id') }}

),

unnested as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as invoice_id,
        source._source_changed_at,
        {{ json_array_index('r') }} as row_index,
        {{ json_array_value('r') }} as row_json
    from {{ unnest_json_array('source', '_data', '$.invoiceRows', 'r') }}

),

final as (

    select
        company_id,
        invoice_id,
        row_index + 1 as row_number,
        {{ json_int('row_json', '$.id') }} as invoice_row_id,
        {{ json_int('row_json', '$.productId') }} as product_id,
        {{ json_str('row_json', '$.product') }} as product_name,
        {{ json_str('row_json', '$.productCode') }} as product_code,
        coalesce({{ json_decimal('row_json', '$.quantity') }}, 0) as quantity,
        {{ json_str('row_json', '$.unit') }} as unit,
        coalesce({{ json_decimal('row_json', '$.unitPrice') }}, 0) as unit_price,
        coalesce({{ json_decimal('row_json', '$.discountPercent') }}, 0) as discount_percent,
        coalesce({{ json_decimal('row_json', '$.vatPercent') }}, 0) as vat_percent,
        {{ json_int('row_json', '$.vatStatus') }} as vat_status,
        {{ json_str('row_json', '$.comment') }} as comment,
        {{ json_date('row_json', '$.startDate') }} as delivery_start_date,
        {{ json_date('row_json', '$.endDate') }} as delivery_end_date,
        _source_changed_at
    from unnested

)

select * from final
