with

source as (

    select * from {{ landing('bank_statements') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as bank_statement_id,
        {{ json_str('_data', '$.accountNumber') }} as account_number,
        {{ json_int('_data', '$.statementNumber') }} as statement_number,
        {{ json_date('_data', '$.startDate') }} as start_date,
        {{ json_date('_data', '$.endDate') }} as end_date,
        {{ json_str('_data', '$.currency') }} as currency,
        {{ json_int('_data', '$.numberOfDeposits') }} as deposit_count,
        {{ json_money('_data', '$.depositSum') }} as deposit_sum,
        {{ json_int('_data', '$.numberOfWithdrawals') }} as withdrawal_count,
        {{ json_money('_data', '$.withdrawalSum') }} as withdrawal_sum,
        {{ json_money('_data', '$.startBalance') }} as start_balance,
        {{ json_money('_data', '$.endBalance') }} as end_balance,
        _loaded_at as loaded_at
    from source

)

select * from final
