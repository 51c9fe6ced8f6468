{{
    config(
        materialized='table',
        partition_by=(
            {'field': 'invoice_month', 'data_type': 'date', 'granularity': 'month'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['company_id', 'invoice_category'] if target.type == 'bigquery' else none)
    )
}}

{#- One row per invoice (sales, purchase, travel, expense claim): document- and accounting-currency
    totals, paid and open amounts from payment events, credit notes linked to their originals and the
    link to the ledger receipt. Offers and orders are excluded. -#}

with

invoices as (

    select * from {{ ref('stg_procountor__invoices') }}
    where
        not is_offer
        and invoice_type not in ('SALES_ORDER', 'PURCHASE_ORDER')

),

all_invoices as (

    -- originals of credit notes may be offers or orders too
    select
        company_id,
        invoice_id,
        invoice_type,
        invoice_number,
        original_invoice_number,
        partner_id
    from {{ ref('stg_procountor__invoices') }}

),

invoice_lines as (

    select * from {{ ref('int_invoice_line_totals') }}

),

payment_events as (

    select * from {{ ref('stg_procountor__payment_events') }}
    where coalesce(payment_event_status, '') not in ('DELETED', 'INVALIDATED', 'PAYMENT_TRANSACTION_REMOVED')

),

payments as (

    select
        company_id,
        invoice_id,
        sum(amount) as paid_amount,
        count(*) as payment_event_count,
        max(payment_date) as last_payment_date,
        max(_source_changed_at) as last_changed_at
    from payment_events
    group by 1, 2

),

receipts as (

    select
        company_id,
        receipt_id,
        is_valid,
        receipt_status
    from {{ ref('stg_procountor__ledger_receipts') }}

),

credit_notes as (

    select * from invoices
    where coalesce(invoice_total, invoice_total_doc) < 0

),

original_matches as (

    -- a credit note (negative total) names its original in originalInvoiceNumber: the original's
    -- invoice number (sales) or the supplier's invoice number (purchase); two equality joins, as an
    -- OR in one join condition is checked row by row
    select
        credit.company_id,
        credit.invoice_id,
        original.invoice_id as original_invoice_id
    from credit_notes as credit
    inner join all_invoices as original
        on
            credit.company_id = original.company_id
            and credit.invoice_type = original.invoice_type
            and credit.original_invoice_number = cast(original.invoice_number as {{ type_text() }})
    where credit.invoice_id != original.invoice_id
    union all
    select
        credit.company_id,
        credit.invoice_id,
        original.invoice_id as original_invoice_id
    from credit_notes as credit
    inner join all_invoices as original
        on
            credit.company_id = original.company_id
            and credit.invoice_type = original.invoice_type
            and credit.partner_id = original.partner_id
            and credit.original_invoice_number = original.original_invoice_number
    where
        credit.invoice_type = 'PURCHASE_INVOICE'
        and credit.invoice_id != original.invoice_id

),

credit_note_originals as (

    select
        company_id,
        invoice_id,
        min(original_invoice_id) as original_invoice_id
    from original_matches
    group by 1, 2

),

joined as (

    select
        invoices.*,
        invoice_lines.net_amount_doc as lines_net_amount_doc,
        invoice_lines.vat_amount_doc as lines_vat_amount_doc,
        coalesce(invoice_lines.line_count, 0) as line_count,
        coalesce(payments.paid_amount, 0) as paid_amount,
        coalesce(payments.payment_event_count, 0) as payment_event_count,
        payments.last_payment_date as last_payment_event_date,
        credit_note_originals.original_invoice_id,
        receipts.receipt_id is not null and receipts.is_valid as is_posted_to_ledger,
        greatest(
            invoices._source_changed_at,
            coalesce(payments.last_changed_at, invoices._source_changed_at)
        ) as source_changed_at
    from invoices
    left join invoice_lines
        on
            invoices.company_id = invoice_lines.company_id
            and invoices.invoice_id = invoice_lines.invoice_id
    left join payments
        on
            invoices.company_id = payments.company_id
            and invoices.invoice_id = payments.invoice_id
    left join credit_note_originals
        on
            invoices.company_id = credit_note_originals.company_id
            and invoices.invoice_id = credit_note_originals.invoice_id
    left join receipts
        on
            invoices.company_id = receipts.company_id
            and invoices.ledger_receipt_id = receipts.receipt_id

),

final as (

    select
        {{ key(['company_id', 'invoice_id']) }} as invoice_key,
        company_id,
        invoice_id,
        invoice_number,
        invoice_type,
        case invoice_type
            when 'SALES_INVOICE' then 'sales'
            when 'PURCHASE_INVOICE' then 'purchase'
            when 'TRAVEL_INVOICE' then 'travel'
            when 'BILL_OF_CHARGES' then 'expense'
            else 'other'
        end as invoice_category,
        invoice_status,
        invoice_status not in (
            {%- for status in var('procountor_invalid_receipt_statuses') %}
                '{{ status }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as is_valid,
        partner_id,
        counterparty_name,
        counterparty_business_id,
        counterparty_customer_number,
        invoice_date,
        {{ month_start('invoice_date') }} as invoice_month,
        due_date,
        currency,
        currency_rate,
        coalesce(excluding_vat_total_doc, lines_net_amount_doc) as net_amount_doc,
        coalesce(vat_total_doc, lines_vat_amount_doc) as vat_amount_doc,
        coalesce(invoice_total_doc, lines_net_amount_doc + lines_vat_amount_doc, periodic_tax_return_sum) as total_amount_doc,
        coalesce(
            excluding_vat_total, {{ divide_money('lines_net_amount_doc', 'currency_rate') }}
        ) as net_amount,
        coalesce(
            vat_total, {{ divide_money('lines_vat_amount_doc', 'currency_rate') }}
        ) as vat_amount,
        coalesce(
            invoice_total,
            {{ divide_money('lines_net_amount_doc + lines_vat_amount_doc', 'currency_rate') }},
            periodic_tax_return_sum
        ) as total_amount,
        paid_amount,
        payment_event_count,
        coalesce(last_payment_event_date, last_payment_date) as last_payment_date,
        line_count,
        coalesce(invoice_total, invoice_total_doc, 0) < 0 as is_credit_note,
        original_invoice_number,
        original_invoice_id,
        ledger_receipt_id,
        is_posted_to_ledger,
        payment_method,
        bank_reference_code,
        vat_status,
        created_at,
        version_at,
        source_changed_at as _source_changed_at
    from joined

)

select
    *,
    total_amount - paid_amount as open_amount
from final
