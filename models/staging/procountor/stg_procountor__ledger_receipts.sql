{#- A view: base_procountor__ledger_receipts parsed the JSON once; this picks the receipt's columns. -#}

with

receipts as (

    select * from {{ ref('base_procountor__ledger_receipts') }}

),

final as (

    select
        company_id,
        receipt_id,
        receipt_type,
        receipt_status,
        receipt_name,
        receipt_date,
        receipt_number,
        invoice_id,
        invoice_number,
        partner_id,
        partner_code,
        vat_type,
        vat_status,
        vat_date,
        period_start_date,
        period_end_date,
        transaction_description,
        receipt_validity,
        depreciation,
        created_at,
        version_at,
        loaded_at,
        _source_changed_at,
        receipt_status not in (
            {%- for status in var('procountor_invalid_receipt_statuses') %}
                '{{ status }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as is_valid,
        receipt_type = 'RECEIPT_FOR_OPENING_ACCOUNTS' as is_opening_receipt
    from receipts

)

select * from final
