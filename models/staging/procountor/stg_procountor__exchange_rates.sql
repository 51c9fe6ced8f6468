with

source as (

    select * from {{ landing('exchange_rates') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        _record_id as exchange_rate_key,
        coalesce({{ json_str('_data', '$.currency') }}, {{ json_str('_data', '$.currencyCode') }}) as currency,
        coalesce({{ json_str('_data', '$.baseCurrency') }}, 'EUR') as base_currency,
        coalesce(
            {{ json_date('_data', '$.day') }},
            {{ json_date('_data', '$.currencyDate') }},
            {{ json_date('_data', '$.queryDay') }}
        ) as rate_date,
        {{ json_str('_data', '$.rateType') }} as rate_type,
        coalesce({{ json_decimal('_data', '$.rate') }}, {{ json_decimal('_data', '$.currencyRate') }}) as rate,
        _loaded_at as loaded_at
    from source

)

select * from final
