{#- A view: the rows base_procountor__invoices parsed, one row per invoice row. -#}

with

invoices as (

    select
        company_id,
        invoice_id,
        _source_changed_at,
        invoice_rows
    from {{ ref('base_procountor__invoices') }}

),

final as (

    select
        company_id,
        invoice_id,
        {{ json_array_index('r') }} + 1 as row_number,
        r_value.id as invoice_row_id,
        r_value.productid as product_id,
        r_value.product as product_name,
        r_value.productcode as product_code,
        coalesce(r_value.quantity, 0) as quantity,
        r_value.unit as unit,
        coalesce(r_value.unitprice, 0) as unit_price,
        coalesce(r_value.discountpercent, 0) as discount_percent,
        coalesce(r_value.vatpercent, 0) as vat_percent,
        r_value.vatstatus as vat_status,
        r_value.comment as comment,
        r_value.startdate as delivery_start_date,
        r_value.enddate as delivery_end_date,
        _source_changed_at
    from {{ unnest_array('invoices', 'invoice_rows', 'r') }}

)

select * from final
