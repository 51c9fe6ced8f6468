{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows('ledger_receipts', 'receipt_id') }}"
    )
}}

with

source as (

    {{ changed_landing_rows('ledger_receipts', 'receipt_id') }}

),

transactions as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as receipt_id,
        source._source_changed_at,
        {{ json_array_value('txn') }} as txn_json
    from {{ unnest_json_array('source', '_data', '$.transactions', 'txn') }}

),

transaction_ids as (

    select
        company_id,
        receipt_id,
        _source_changed_at,
        {{ json_int('txn_json', '$.id') }} as transaction_id,
        txn_json
    from transactions

),

unnested as (

    select
        transaction_ids.company_id,
        transaction_ids.receipt_id,
        transaction_ids._source_changed_at,
        transaction_ids.transaction_id,
        {{ json_array_index('dv') }} as value_index,
        {{ json_array_value('dv') }} as value_json
    from {{ unnest_json_array('transaction_ids', 'txn_json', '$.dimensionItemValues', 'dv') }}

),

final as (

    select
        company_id,
        receipt_id,
        transaction_id,
        value_index + 1 as value_number,
        {{ json_int('value_json', '$.dimensionId') }} as dimension_id,
        {{ json_int('value_json', '$.itemId') }} as dimension_item_id,
        {{ json_money('value_json', '$.value') }} as allocated_value,
        _source_changed_at
    from unnested

)

select * from final
