with

source as (

    select * from {{ landing('currencies') }}
    where not coalesce(_is_deleted, false)

),

unnested as (

    -- GET /currencies lands as one object record {"currencies": ["EUR", "SEK", ...]}
    select
        source._company_id as company_id,
        {{ json_array_value('cur') }} as currency_json,
        source._loaded_at as loaded_at
    from {{ unnest_json_array('source', '_data', '$.currencies', 'cur') }}

),

final as (

    select distinct
        company_id,
        {{ json_str('currency_json', '$') }} as currency_code,
        loaded_at
    from unnested

)

select * from final
