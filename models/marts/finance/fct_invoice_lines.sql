{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        partition_by=(
            {'field': 'invoice_month', 'data_type': 'date', 'granularity': 'month'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['company_id', 'invoice_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_fact_rows(ref('stg_procountor__invoices'), 'invoice_id', dependencies_fingerprint([]), [ref('stg_procountor__invoice_rows')]) }}"
    )
}}

{#- One row per invoice row. Procountor's rows carry no totals and no account: the net amount is
    quantity x unit price x (1 - row discount) x (1 - invoice discount), net of VAT when the prices
    include VAT (gross x 100 / (100 + VAT %)), rounded half up to cents; VAT = round_half_up(net x VAT % / 100, 2).
    Accounting-currency amounts divide by the invoice's currency rate (foreign units per one company-currency
    unit). Every product and quotient is exact (macros/money.sql): no DOUBLE ever touches money. -#}

with

invoices as (

    -- on an incremental run: the invoices with no rows left after the pre-hook
    select * from {{ ref('stg_procountor__invoices') }} as invoices
    {{ records_without_rows('invoices', 'invoice_id') }}

),

invoice_rows as (

    select * from {{ ref('stg_procountor__invoice_rows') }}

),

computed as (

    select
        invoice_rows.*,
        invoices.invoice_type,
        invoices.invoice_status,
        invoices.invoice_date,
        invoices.currency,
        invoices.currency_rate,
        {{ multiply_money(
            ['invoice_rows.quantity', 'invoice_rows.unit_price',
             '100 - invoice_rows.discount_percent', '100 - invoices.discount_percent'],
            divide_by_power_of_ten=4
        ) }} as line_total_entered,
        invoices.unit_prices_include_vat
    from invoice_rows
    inner join invoices
        on
            invoice_rows.company_id = invoices.company_id
            and invoice_rows.invoice_id = invoices.invoice_id

),

netted as (

    select
        *,
        case
            when unit_prices_include_vat
                then {{ divide_money('line_total_entered * 100', '100 + vat_percent') }}
            else line_total_entered
        end as net_amount_doc
    from computed

),

final as (

    select
        {{ key(['company_id', 'invoice_id', 'row_number']) }} as invoice_line_id,
        {{ key(['company_id', 'invoice_id']) }} as invoice_key,
        company_id,
        invoice_id,
        row_number,
        invoice_row_id,
        invoice_type,
        invoice_status,
        invoice_date,
        {{ month_start('invoice_date') }} as invoice_month,
        product_id,
        product_code,
        product_name,
        quantity,
        unit,
        unit_price,
        discount_percent,
        vat_percent,
        vat_status,
        comment,
        delivery_start_date,
        delivery_end_date,
        currency,
        currency_rate,
        net_amount_doc,
        {{ implied_vat('net_amount_doc', 'vat_percent') }} as vat_amount_doc,
        cast(net_amount_doc + {{ implied_vat('net_amount_doc', 'vat_percent') }} as {{ type_money() }}) as gross_amount_doc,
        {{ divide_money('net_amount_doc', 'currency_rate') }} as net_amount,
        _source_changed_at,
        {{ dependencies_fingerprint([]) }} as _dependencies_fingerprint
    from netted

)

select * from final
