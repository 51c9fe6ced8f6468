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

sum_info as (

    select
        source._company_id,
        source._record_id,
        {{ json_str(json_array_value('si'), '$.currency') }} as currency,
        {{ json_bool(json_array_value('si'), '$.inAccountingCurrency') }} as is_accounting_currency,
        {{ json_money(json_array_value('si'), '$.excludingVatTotal') }} as excluding_vat_total,
        {{ json_money(json_array_value('si'), '$.vatSumTotal') }} as vat_total,
        {{ json_money(json_array_value('si'), '$.invoiceSumTotal') }} as invoice_total
    from {{ unnest_json_array('source', '_data', '$.invoiceSumInfo', 'si') }}

),

sums_pivoted as (

    -- a foreign-currency invoice has one entry per currency; a domestic one a single entry
    select
        _company_id,
        _record_id,
        max(case when not is_accounting_currency then excluding_vat_total end) as doc_excluding_vat_total,
        max(case when not is_accounting_currency then vat_total end) as doc_vat_total,
        max(case when not is_accounting_currency then invoice_total end) as doc_invoice_total,
        max(case when is_accounting_currency then excluding_vat_total end) as acc_excluding_vat_total,
        max(case when is_accounting_currency then vat_total end) as acc_vat_total,
        max(case when is_accounting_currency then invoice_total end) as acc_invoice_total
    from sum_info
    group by 1, 2

),

renamed as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as invoice_id,
        {{ json_str('source._data', '$.type') }} as invoice_type,
        {{ json_str('source._data', '$.status') }} as invoice_status,
        {{ json_int('source._data', '$.invoiceNumber') }} as invoice_number,
        nullif({{ json_str('source._data', '$.originalInvoiceNumber') }}, '') as original_invoice_number,
        {{ json_int('source._data', '$.partnerId') }} as partner_id,
        {{ json_date('source._data', '$.date') }} as invoice_date,
        coalesce(
            {{ json_date('source._data', '$.paymentInfo.newDueDate') }},
            {{ json_date('source._data', '$.paymentInfo.dueDate') }},
            {{ json_date('source._data', '$.newDueDate') }},
            {{ json_date('source._data', '$.dueDate') }}
        ) as due_date,
        {{ json_date('source._data', '$.paymentDate') }} as last_payment_date,
        {{ json_int('source._data', '$.ledgerReceiptId') }} as ledger_receipt_id,
        coalesce(
            {{ json_str('source._data', '$.paymentInfo.currency') }},
            {{ json_str('source._data', '$.currency') }}
        ) as currency,
        coalesce({{ json_decimal('source._data', '$.paymentInfo.currencyRate') }}, 1) as currency_rate,
        {{ json_str('source._data', '$.paymentInfo.paymentMethod') }} as payment_method,
        {{ json_str('source._data', '$.paymentInfo.bankReferenceCode') }} as bank_reference_code,
        {{ json_int('source._data', '$.vatStatus') }} as vat_status,
        coalesce({{ json_bool('source._data', '$.extraInfo.unitPricesIncludeVat') }}, false) as unit_prices_include_vat,
        coalesce({{ json_decimal('source._data', '$.discountPercent') }}, 0) as discount_percent,
        {{ json_str('source._data', '$.invoiceChannel') }} as invoice_channel,
        {{ json_str('source._data', '$.counterParty.counterPartyAddress.name') }} as counterparty_name,
        nullif({{ json_str('source._data', '$.counterParty.identifier') }}, '') as counterparty_business_id,
        nullif({{ json_str('source._data', '$.counterParty.customerNumber') }}, '') as counterparty_customer_number,
        {{ json_money('source._data', '$.sum') }} as periodic_tax_return_sum,
        coalesce({{ json_bool('source._data', '$.isOffer') }}, false) as is_offer,
        {{ json_timestamp('source._data', '$.created') }} as created_at,
        {{ json_timestamp('source._data', '$.version') }} as version_at,
        source._loaded_at as loaded_at,
        source._source_changed_at,
        sums_pivoted.doc_excluding_vat_total,
        sums_pivoted.doc_vat_total,
        sums_pivoted.doc_invoice_total,
        sums_pivoted.acc_excluding_vat_total,
        sums_pivoted.acc_vat_total,
        sums_pivoted.acc_invoice_total
    from source
    left join sums_pivoted
        on
            source._company_id = sums_pivoted._company_id
            and source._record_id = sums_pivoted._record_id

),

final as (

    select
        company_id,
        invoice_id,
        invoice_type,
        invoice_status,
        invoice_number,
        original_invoice_number,
        partner_id,
        invoice_date,
        due_date,
        last_payment_date,
        ledger_receipt_id,
        currency,
        currency_rate,
        payment_method,
        bank_reference_code,
        vat_status,
        unit_prices_include_vat,
        discount_percent,
        invoice_channel,
        counterparty_name,
        counterparty_business_id,
        counterparty_customer_number,
        periodic_tax_return_sum,
        is_offer,
        -- document currency totals: the non-accounting entry, or the only entry of a domestic invoice
        coalesce(doc_excluding_vat_total, acc_excluding_vat_total) as excluding_vat_total_doc,
        coalesce(doc_vat_total, acc_vat_total) as vat_total_doc,
        coalesce(doc_invoice_total, acc_invoice_total) as invoice_total_doc,
        acc_excluding_vat_total as excluding_vat_total,
        acc_vat_total as vat_total,
        acc_invoice_total as invoice_total,
        created_at,
        version_at,
        loaded_at,
        _source_changed_at
    from renamed

)

select * from final
