with

source as (

    select * from {{ landing('payments') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as payment_id,
        {{ json_int('_data', '$.invoiceId') }} as invoice_id,
        {{ json_date('_data', '$.paymentDate') }} as payment_date,
        {{ json_money('_data', '$.amount') }} as amount,
        {{ json_str('_data', '$.receiverName') }} as receiver_name,
        {{ json_str('_data', '$.status') }} as payment_status,
        {{ json_str('_data', '$.serviceCharge') }} as service_charge_policy,
        {{ json_money('_data', '$.paidAmount') }} as paid_amount,
        {{ json_str('_data', '$.paidCurrency') }} as paid_currency,
        _loaded_at as loaded_at
    from source

)

select * from final
