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

renamed as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as receipt_id,
        {{ json_str('_data', '$.type') }} as receipt_type,
        {{ json_str('_data', '$.status') }} as receipt_status,
        {{ json_str('_data', '$.name') }} as receipt_name,
        {{ json_date('_data', '$.receiptDate') }} as receipt_date,
        {{ json_int('_data', '$.receiptNumber') }} as receipt_number,
        {{ json_int('_data', '$.invoiceId') }} as invoice_id,
        {{ json_int('_data', '$.invoiceNumber') }} as invoice_number,
        {{ json_int('_data', '$.partnerId') }} as partner_id,
        {{ json_str('_data', '$.partnerCode') }} as partner_code,
        {{ json_str('_data', '$.vatType') }} as vat_type,
        {{ json_int('_data', '$.vatStatus') }} as vat_status,
        {{ json_date('_data', '$.vatDate') }} as vat_date,
        {{ json_date('_data', '$.periodStartDate') }} as period_start_date,
        {{ json_date('_data', '$.periodEndDate') }} as period_end_date,
        {{ json_str('_data', '$.transactionDescription') }} as transaction_description,
        {{ json_str('_data', '$.receiptValidity') }} as receipt_validity,
        {{ json_str('_data', '$.depreciation') }} as depreciation,
        {{ json_timestamp('_data', '$.created') }} as created_at,
        {{ json_timestamp('_data', '$.version') }} as version_at,
        _loaded_at as loaded_at,
        _source_changed_at
    from source

),

final as (

    select
        *,
        receipt_status not in (
            {%- for s in var('procountor_invalid_receipt_statuses') %}'{{ s }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) as is_valid,
        receipt_type = 'RECEIPT_FOR_OPENING_ACCOUNTS' as is_opening_receipt
    from renamed

)

select * from final
