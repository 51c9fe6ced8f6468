{#- VAT per company x VAT period (calendar month of the receipt date, or of vatDate when the
    receipt carries one: payment-based VAT) x VAT type x VAT % x VAT status: taxable base, the VAT on
    the VAT accounts (for purchases the deductible share) and the non-deductible VAT, with the OmaVero
    VAT-return field each figure belongs to (seed procountor_vat_statuses; DECISIONLOG "VAT return"). -#}

with

gl as (

    select * from {{ ref('fct_general_ledger') }}

),

vat_statuses as (

    select * from {{ ref('procountor_vat_statuses') }}

),

procountor_vat_statuses as (

    -- the company's own list (GET /vats/default): the authoritative description of each code
    select * from {{ ref('stg_procountor__vat_statuses') }}

),

vat_lines as (

    select
        company_id,
        {{ month_start('coalesce(vat_date, receipt_date)') }} as vat_period_start_date,
        vat_type,
        vat_percent,
        vat_status,
        sum(case when transaction_type != 'IMPLIED_VAT' and not is_derived_vat_line then amount_debit_positive else 0 end)
            as taxable_base_debit_positive,
        sum(case when transaction_type = 'IMPLIED_VAT' then amount_debit_positive else 0 end) as vat_amount_debit_positive,
        sum(case when transaction_type = 'NON_DEDUCTIBLE_VAT' then amount_debit_positive else 0 end)
            as non_deductible_vat_debit_positive,
        count(case when not is_derived_vat_line then 1 end) as line_count
    from gl
    where vat_type is not null and transaction_type in ('ENTRY', 'IMPLIED_VAT', 'NON_DEDUCTIBLE_VAT')
    group by 1, 2, 3, 4, 5

),

joined as (

    select
        vat_lines.*,
        procountor_vat_statuses.vat_status_description,
        vat_statuses.description_fi,
        vat_statuses.description_en,
        vat_statuses.omavero_box,
        vat_statuses.verified_in,
        case
            when vat_lines.vat_type = 'SALES' then vat_statuses.omavero_sales_base_field
            else vat_statuses.omavero_purchase_base_field
        end as omavero_base_field,
        case
            when vat_lines.vat_type = 'SALES' then vat_statuses.omavero_sales_tax_field
            else vat_statuses.omavero_purchase_tax_field
        end as omavero_tax_field_template
    from vat_lines
    left join vat_statuses
        on vat_lines.vat_status = vat_statuses.vat_status
    left join procountor_vat_statuses
        on
            vat_lines.company_id = procountor_vat_statuses.company_id
            and vat_lines.vat_status = procountor_vat_statuses.vat_status

),

final as (

    select
        {{ key(['company_id', 'vat_period_start_date', 'vat_type', 'vat_percent', 'vat_status']) }}
            as vat_summary_row_id,
        company_id,
        vat_period_start_date,
        {{ month_end('vat_period_start_date') }} as vat_period_end_date,
        vat_type,
        vat_percent,
        vat_status,
        vat_status_description,
        coalesce(description_fi, vat_status_description) as vat_status_description_fi,
        description_en as vat_status_description_en,
        omavero_box,
        omavero_base_field,
        -- domestic sales VAT is reported per rate: "Vero kotimaan myynnistä 25,5 %"
        case
            when omavero_tax_field_template = 'Vero kotimaan myynnistä verokannoittain'
                then
                    case
                        when vat_percent = 25.5 then 'Vero kotimaan myynnistä 25,5 %'
                        when vat_percent = 24 then 'Vero kotimaan myynnistä 24 %'
                        when vat_percent = 14 then 'Vero kotimaan myynnistä 14 %'
                        when vat_percent = 13.5 then 'Vero kotimaan myynnistä 13,5 %'
                        when vat_percent = 10 then 'Vero kotimaan myynnistä 10 %'
                    end
            else omavero_tax_field_template
        end as omavero_tax_field,
        coalesce(verified_in = 'sandbox', false) as is_vat_status_verified,
        -- sales are credits: show sales base and VAT positive, purchases (deductible) positive
        case when vat_type = 'SALES' then -1 else 1 end * taxable_base_debit_positive as taxable_base,
        case when vat_type = 'SALES' then -1 else 1 end * vat_amount_debit_positive as vat_amount,
        non_deductible_vat_debit_positive as non_deductible_vat_amount,
        line_count
    from joined

)

select * from final
