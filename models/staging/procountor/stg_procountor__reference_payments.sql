with

source as (

    select * from {{ landing('reference_payments') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as reference_payment_id,
        {{ json_str('_data', '$.accountNumber') }} as account_number,
        {{ json_date('_data', '$.valueDate') }} as value_date,
        {{ json_date('_data', '$.paymentDate') }} as payment_date,
        {{ json_money('_data', '$.sum') }} as amount,
        {{ json_str('_data', '$.name') }} as payer_name,
        {{ json_str('_data', '$.bankReference') }} as bank_reference,
        {{ json_str('_data', '$.archiveId') }} as archive_id,
        coalesce({{ json_bool('_data', '$.allocated') }}, false) as is_allocated,
        {{ json_int('_data', '$.invoiceId') }} as invoice_id,
        _loaded_at as loaded_at
    from source

)

select * from final
