with

source as (

    select * from {{ landing('company_currency') }}
    where not coalesce(_is_deleted, false)

),

final as (

    select
        _company_id as company_id,
        coalesce({{ json_str('_data', '$.companyCurrency') }}, 'EUR') as company_currency,
        _loaded_at as loaded_at
    from source

)

select * from final
