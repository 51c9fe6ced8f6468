{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows(ref('base_procountor__invoices_landing'), 'invoice_id') }}"
    )
}}

{#- The one parse of the invoices landing table: each invoice's JSON read once into typed columns,
    its rows kept as an array for stg_procountor__invoice_rows, its totals (invoiceSumInfo) pivoted
    into document- and company-currency columns for stg_procountor__invoices. -#}

{%- set invoice = {
    'type': 'text', 'status': 'text', 'invoiceNumber': 'int', 'originalInvoiceNumber': 'text',
    'partnerId': 'int', 'date': 'date', 'dueDate': 'date', 'newDueDate': 'date', 'paymentDate': 'date',
    'ledgerReceiptId': 'int', 'currency': 'text', 'vatStatus': 'int', 'discountPercent': 'decimal',
    'invoiceChannel': 'text', 'sum': 'money', 'isOffer': 'bool', 'created': 'timestamp',
    'version': 'timestamp',
    'paymentInfo': {
        'newDueDate': 'date', 'dueDate': 'date', 'currency': 'text', 'currencyRate': 'decimal',
        'paymentMethod': 'text', 'bankReferenceCode': 'text',
    },
    'extraInfo': {'unitPricesIncludeVat': 'bool'},
    'counterParty': {'counterPartyAddress': {'name': 'text'}, 'identifier': 'text', 'customerNumber': 'text'},
    'invoiceSumInfo': [{
        'currency': 'text', 'inAccountingCurrency': 'bool', 'excludingVatTotal': 'money',
        'vatSumTotal': 'money', 'invoiceSumTotal': 'money',
    }],
    'invoiceRows': [{
        'id': 'int', 'productId': 'int', 'product': 'text', 'productCode': 'text', 'quantity': 'decimal',
        'unit': 'text', 'unitPrice': 'decimal', 'discountPercent': 'decimal', 'vatPercent': 'decimal',
        'vatStatus': 'int', 'comment': 'text', 'startDate': 'date', 'endDate': 'date',
    }],
} -%}

with

source as (

    {{ changed_landing_rows(ref('base_procountor__invoices_landing'), 'invoice_id') }}

),

parsed as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as invoice_id,
        _loaded_at,
        _source_changed_at,
        {{ json_parse('_data', invoice) }} as doc
    from source

),

sum_info_lists as (

    select
        company_id,
        invoice_id,
        doc.invoicesuminfo as sum_info
    from parsed

),

sums_pivoted as (

    -- a foreign-currency invoice has one entry per currency; a domestic one a single entry
    select
        company_id,
        invoice_id,
        max(case when not si_value.inaccountingcurrency then si_value.excludingvattotal end) as doc_excluding_vat_total,
        max(case when not si_value.inaccountingcurrency then si_value.vatsumtotal end) as doc_vat_total,
        max(case when not si_value.inaccountingcurrency then si_value.invoicesumtotal end) as doc_invoice_total,
        max(case when si_value.inaccountingcurrency then si_value.excludingvattotal end) as acc_excluding_vat_total,
        max(case when si_value.inaccountingcurrency then si_value.vatsumtotal end) as acc_vat_total,
        max(case when si_value.inaccountingcurrency then si_value.invoicesumtotal end) as acc_invoice_total
    from {{ unnest_array('sum_info_lists', 'sum_info', 'si') }}
    group by company_id, invoice_id

),

final as (

    select
        parsed.company_id,
        parsed.invoice_id,
        parsed.doc.type as invoice_type,
        parsed.doc.status as invoice_status,
        parsed.doc.invoicenumber as invoice_number,
        nullif(parsed.doc.originalinvoicenumber, '') as original_invoice_number,
        parsed.doc.partnerid as partner_id,
        parsed.doc.date as invoice_date,
        coalesce(
            parsed.doc.paymentinfo.newduedate,
            parsed.doc.paymentinfo.duedate,
            parsed.doc.newduedate,
            parsed.doc.duedate
        ) as due_date,
        parsed.doc.paymentdate as last_payment_date,
        parsed.doc.ledgerreceiptid as ledger_receipt_id,
        coalesce(parsed.doc.paymentinfo.currency, parsed.doc.currency) as currency,
        coalesce(parsed.doc.paymentinfo.currencyrate, 1) as currency_rate,
        parsed.doc.paymentinfo.paymentmethod as payment_method,
        parsed.doc.paymentinfo.bankreferencecode as bank_reference_code,
        parsed.doc.vatstatus as vat_status,
        coalesce(parsed.doc.extrainfo.unitpricesincludevat, false) as unit_prices_include_vat,
        coalesce(parsed.doc.discountpercent, 0) as discount_percent,
        parsed.doc.invoicechannel as invoice_channel,
        parsed.doc.counterparty.counterpartyaddress.name as counterparty_name,
        nullif(parsed.doc.counterparty.identifier, '') as counterparty_business_id,
        nullif(parsed.doc.counterparty.customernumber, '') as counterparty_customer_number,
        parsed.doc.sum as periodic_tax_return_sum,
        coalesce(parsed.doc.isoffer, false) as is_offer,
        -- document currency totals: the non-accounting entry, or the only entry of a domestic invoice
        coalesce(sums_pivoted.doc_excluding_vat_total, sums_pivoted.acc_excluding_vat_total) as excluding_vat_total_doc,
        coalesce(sums_pivoted.doc_vat_total, sums_pivoted.acc_vat_total) as vat_total_doc,
        coalesce(sums_pivoted.doc_invoice_total, sums_pivoted.acc_invoice_total) as invoice_total_doc,
        sums_pivoted.acc_excluding_vat_total as excluding_vat_total,
        sums_pivoted.acc_vat_total as vat_total,
        sums_pivoted.acc_invoice_total as invoice_total,
        parsed.doc.created as created_at,
        parsed.doc.version as version_at,
        parsed.doc.invoicerows as invoice_rows,
        parsed._loaded_at as loaded_at,
        parsed._source_changed_at
    from parsed
    left join sums_pivoted
        on
            parsed.company_id = sums_pivoted.company_id
            and parsed.invoice_id = sums_pivoted.invoice_id

)

select * from final
