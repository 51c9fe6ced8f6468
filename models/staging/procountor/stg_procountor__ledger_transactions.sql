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

unnested as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as receipt_id,
        source._source_changed_at,
        {{ json_array_index('txn') }} as line_index,
        {{ json_array_value('txn') }} as txn_json
    from {{ unnest_json_array('source', '_data', '$.transactions', 'txn') }}

),

final as (

    select
        company_id,
        receipt_id,
        {{ json_int('txn_json', '$.id') }} as transaction_id,
        line_index + 1 as line_number,
        {{ json_str('txn_json', '$.transactionType') }} as transaction_type,
        {{ json_str('txn_json', '$.account') }} as account_code,
        {{ json_money('txn_json', '$.accountingValue') }} as accounting_value,
        coalesce({{ json_decimal('txn_json', '$.vatPercent') }}, 0) as vat_percent,
        {{ json_str('txn_json', '$.vatType') }} as vat_type,
        {{ json_int('txn_json', '$.vatStatus') }} as vat_status,
        {{ json_decimal('txn_json', '$.vatDeductionPercent') }} as vat_deduction_percent,
        {{ json_str('txn_json', '$.description') }} as description,
        {{ json_int('txn_json', '$.partnerId') }} as partner_id,
        {{ json_date('txn_json', '$.startDate') }} as accrual_start_date,
        {{ json_date('txn_json', '$.endDate') }} as accrual_end_date,
        _source_changed_at
    from unnested

)

select * from final
