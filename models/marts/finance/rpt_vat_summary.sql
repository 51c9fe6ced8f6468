{#- VAT per company x VAT period (calendar month of the receipt date, or of vatDate when the
    receipt carries one: payment-based VAT) x VAT type x VAT % x VAT status: taxable base and the
    implied VAT, with the movement on the VAT accounts as a cross-check. -#}

with

gl as (

    select * from {{ ref('fct_general_ledger') }}

),

vat_statuses as (

    select * from {{ ref('procountor_vat_statuses') }}

),

vat_lines as (

    select
        company_id,
        {{ month_start('coalesce(vat_date, receipt_date)') }} as vat_period_start_date,
        vat_type,
        vat_percent,
        vat_status,
        sum(case when not is_derived_vat_line then amount_debit_positive else 0 end) as taxable_base_debit_positive,
        sum(case when is_derived_vat_line then amount_debit_positive else 0 end) as vat_amount_debit_positive,
        count(*) as line_count
    from gl
    where vat_type is not null and transaction_type in ('ENTRY', 'IMPLIED_VAT')
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ key(['vat_lines.company_id', 'vat_lines.vat_period_start_date', 'vat_lines.vat_type', 'vat_lines.vat_percent', 'vat_lines.vat_status']) }}
            as vat_summary_row_id,
        vat_lines.company_id,
        vat_lines.vat_period_start_date,
        {{ month_end('vat_lines.vat_period_start_date') }} as vat_period_end_date,
        vat_lines.vat_type,
        vat_lines.vat_percent,
        vat_lines.vat_status,
        vat_statuses.description_fi as vat_status_description_fi,
        vat_statuses.description_en as vat_status_description_en,
        vat_statuses.omavero_box,
        -- sales are credits: show sales base and VAT positive, purchases (deductible) positive
        case when vat_lines.vat_type = 'SALES' then -1 else 1 end * vat_lines.taxable_base_debit_positive as taxable_base,
        case when vat_lines.vat_type = 'SALES' then -1 else 1 end * vat_lines.vat_amount_debit_positive as vat_amount,
        vat_lines.line_count
    from vat_lines
    left join vat_statuses
        on vat_lines.vat_status = vat_statuses.vat_status

)

select * from final
