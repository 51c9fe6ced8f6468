with

source as (

    select * from {{ landing('fiscal_years') }}
    where not coalesce(_is_deleted, false)

),

unnested as (

    select
        source._company_id as company_id,
        cast(source._record_id as {{ type_int() }}) as fiscal_year_id,
        {{ json_array_index('tp') }} as period_index,
        {{ json_array_value('tp') }} as period_json
    from {{ unnest_json_array('source', '_data', '$.trackingPeriods', 'tp') }}

),

final as (

    select
        company_id,
        {{ json_int('period_json', '$.id') }} as tracking_period_id,
        fiscal_year_id,
        period_index + 1 as period_number,
        {{ json_date('period_json', '$.startDate') }} as start_date,
        {{ json_date('period_json', '$.endDate') }} as end_date,
        {{ json_str('period_json', '$.status') }} as period_status,
        {{ json_timestamp('period_json', '$.modified') }} as modified_at
    from unnested

)

select * from final
