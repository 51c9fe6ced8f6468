with

source as (

    select * from {{ landing('business_partners') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as partner_id,
        {{ json_str('_data', '$.name') }} as partner_name,
        {{ json_str('_data', '$.type') }} as partner_type,
        nullif({{ json_str('_data', '$.invoicingInfo.identifier') }}, '') as business_id,
        {{ json_str('_data', '$.invoicingInfo.identifierType') }} as business_id_type,
        nullif({{ json_str('_data', '$.invoicingInfo.customerNumber') }}, '') as customer_number,
        nullif({{ json_str('_data', '$.invoicingInfo.ovt') }}, '') as einvoice_address,
        nullif({{ json_str('_data', '$.additionalInfo.group') }}, '') as partner_group_name,
        {{ json_str('_data', '$.additionalInfo.invoiceLedger') }} as invoice_ledger,
        {{ json_str('_data', '$.paymentInfo.currency') }} as currency,
        {{ json_int('_data', '$.paymentInfo.paymentTermDays') }} as payment_term_days,
        {{ json_str('_data', '$.billingAddress.city') }} as billing_city,
        {{ json_str('_data', '$.billingAddress.country') }} as billing_country,
        coalesce({{ json_bool('_data', '$.registryInfo.active') }}, true) as is_active,
        {{ json_timestamp('_data', '$.version') }} as version_at,
        _loaded_at as loaded_at
    from source

)

select * from final
