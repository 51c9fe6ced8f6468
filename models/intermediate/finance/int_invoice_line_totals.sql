{#- The totals of each invoice's rows (fct_invoice_lines), one row per invoice that has rows:
    fct_invoices falls back on them when Procountor sent no invoiceSumInfo totals. -#}

with

invoice_lines as (

    select * from {{ ref('fct_invoice_lines') }}

),

final as (

    select
        company_id,
        invoice_id,
        sum(net_amount_doc) as net_amount_doc,
        sum(vat_amount_doc) as vat_amount_doc,
        count(*) as line_count
    from invoice_lines
    group by company_id, invoice_id

)

select * from final
