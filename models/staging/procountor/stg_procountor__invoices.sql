{#- A view: base_procountor__invoices parsed the JSON once and pivoted the totals; this picks the
    invoice's columns. -#}

with

invoices as (

    select * from {{ ref('base_procountor__invoices') }}

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
        excluding_vat_total_doc,
        vat_total_doc,
        invoice_total_doc,
        excluding_vat_total,
        vat_total,
        invoice_total,
        created_at,
        version_at,
        loaded_at,
        _source_changed_at
    from invoices

)

select * from final
