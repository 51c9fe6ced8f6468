with

source as (

    select * from {{ landing('bank_accounts') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as bank_account_id,
        {{ json_str('_data', '$.accountNumber') }} as account_number,
        {{ json_str('_data', '$.iban') }} as iban,
        {{ json_str('_data', '$.bic') }} as bic,
        {{ json_str('_data', '$.bankName') }} as bank_name,
        {{ json_str('_data', '$.currency') }} as currency,
        {{ json_str('_data', '$.ledgerAccount') }} as ledger_account_code,
        coalesce({{ json_str('_data', '$.status') }}, 'ACTIVE') = 'ACTIVE' as is_active,
        {{ json_bool('_data', '$.defaultForInvoice') }} as is_default_for_invoice,
        {{ json_bool('_data', '$.defaultForPayment') }} as is_default_for_payment,
        _loaded_at as loaded_at
    from source

)

select * from final
