{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows(ref('base_procountor__payment_events_landing'), 'payment_event_id') }}"
    )
}}

with

source as (

    {{ changed_landing_rows(ref('base_procountor__payment_events_landing'), 'payment_event_id') }}

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as payment_event_id,
        {{ json_int('_data', '$.invoiceId') }} as invoice_id,
        {{ json_str('_data', '$.type') }} as payment_event_type,
        {{ json_date('_data', '$.paymentDate') }} as payment_date,
        {{ json_str('_data', '$.status') }} as payment_event_status,
        {{ json_money('_data', '$.amount') }} as amount,
        {{ json_str('_data', '$.currency') }} as currency,
        {{ json_money('_data', '$.paidAmount') }} as paid_amount,
        {{ json_str('_data', '$.paidCurrency') }} as paid_currency,
        {{ json_str('_data', '$.description') }} as description,
        _loaded_at as loaded_at,
        _source_changed_at
    from source

)

select * from final
