{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows(ref('base_procountor__ledger_receipts_landing'), 'receipt_id') }}"
    )
}}

{#- The one parse of the ledger_receipts landing table: each receipt's JSON read once into typed
    columns, its transactions and their dimension values kept as a nested array for the staging
    models that unnest them (stg_procountor__ledger_receipts, __ledger_transactions,
    __transaction_dimension_values). -#}

{%- set receipt = {
    'type': 'text', 'status': 'text', 'name': 'text', 'receiptDate': 'date', 'receiptNumber': 'int',
    'invoiceId': 'int', 'invoiceNumber': 'int', 'partnerId': 'int', 'partnerCode': 'text',
    'vatType': 'text', 'vatStatus': 'int', 'vatDate': 'date', 'periodStartDate': 'date',
    'periodEndDate': 'date', 'transactionDescription': 'text', 'receiptValidity': 'text',
    'depreciation': 'text', 'created': 'timestamp', 'version': 'timestamp',
    'transactions': [{
        'id': 'int', 'transactionType': 'text', 'account': 'text', 'accountingValue': 'money',
        'vatPercent': 'decimal', 'vatType': 'text', 'vatStatus': 'int', 'vatDeductionPercent': 'decimal',
        'description': 'text', 'partnerId': 'int', 'startDate': 'date', 'endDate': 'date',
        'dimensionItemValues': [{'dimensionId': 'int', 'itemId': 'int', 'value': 'money'}],
    }],
} -%}

with

source as (

    {{ changed_landing_rows(ref('base_procountor__ledger_receipts_landing'), 'receipt_id') }}

),

parsed as (

    select
        _company_id,
        _record_id,
        _loaded_at,
        _source_changed_at,
        {{ json_parse('_data', receipt) }} as doc
    from source

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as receipt_id,
        doc.type as receipt_type,
        doc.status as receipt_status,
        doc.name as receipt_name,
        doc.receiptdate as receipt_date,
        doc.receiptnumber as receipt_number,
        doc.invoiceid as invoice_id,
        doc.invoicenumber as invoice_number,
        doc.partnerid as partner_id,
        doc.partnercode as partner_code,
        doc.vattype as vat_type,
        doc.vatstatus as vat_status,
        doc.vatdate as vat_date,
        doc.periodstartdate as period_start_date,
        doc.periodenddate as period_end_date,
        doc.transactiondescription as transaction_description,
        doc.receiptvalidity as receipt_validity,
        doc.depreciation as depreciation,
        doc.created as created_at,
        doc.version as version_at,
        doc.transactions as transactions,
        _loaded_at as loaded_at,
        _source_changed_at
    from parsed

)

select * from final
