{#- Business partners (customers, suppliers, persons) with conformed keys: the business ID (Y-tunnus),
    the VAT number derived from it (FI + digits), and the customer number. -#}

with

partners as (

    select * from {{ ref('stg_procountor__business_partners') }}

),

final as (

    select
        {{ key(['company_id', 'partner_id']) }} as partner_key,
        company_id,
        partner_id,
        partner_name,
        partner_type,
        business_id,
        business_id_type,
        case
            when business_id_type = 'FI' and business_id is not null
                then concat('FI', replace(business_id, '-', ''))
        end as vat_number,
        customer_number,
        einvoice_address,
        partner_group_name,
        invoice_ledger,
        currency,
        payment_term_days,
        billing_city,
        billing_country,
        is_active,
        version_at
    from partners

)

select * from final
