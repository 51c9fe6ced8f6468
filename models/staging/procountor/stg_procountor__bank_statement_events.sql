with

source as (

    select * from {{ source('procountor', 'bank_statements') }}
    where not coalesce(_is_deleted, false)

),

unnested as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as bank_statement_id,
        {{ json_str('source._data', '$.accountNumber') }} as bank_account_number,
        {{ json_str('source._data', '$.currency') }} as currency,
        {{ json_array_value('ev') }} as event_json
    from source
    {{ unnest_json_array('source._data', '$.events', 'ev') }}

),

final as (

    select
        company_id,
        {{ json_int('event_json', '$.id') }} as bank_statement_event_id,
        bank_statement_id,
        bank_account_number,
        currency,
        {{ json_date('event_json', '$.payDate') }} as pay_date,
        {{ json_date('event_json', '$.valueDate') }} as value_date,
        {{ json_money('event_json', '$.sum') }} as amount,
        {{ json_str('event_json', '$.accountNumber') }} as counterparty_account_number,
        {{ json_str('event_json', '$.name') }} as counterparty_name,
        {{ json_int('event_json', '$.explanationCode') }} as explanation_code,
        {{ json_str('event_json', '$.archiveCode') }} as archive_code,
        {{ json_str('event_json', '$.message') }} as message,
        nullif({{ json_str('event_json', '$.reference') }}, '') as reference,
        coalesce({{ json_bool('event_json', '$.allocated') }}, false) as is_allocated,
        {{ json_int('event_json', '$.invoiceId') }} as invoice_id
    from unnested

)

select * from final
