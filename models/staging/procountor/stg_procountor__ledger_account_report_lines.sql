with

source as (

    select * from {{ landing('ledger_account_reports') }}
    where not coalesce(_is_deleted, false)

),

periods as (

    select
        source._company_id as company_id,
        source._record_id as report_key,
        {{ json_array_value('per') }} as period_json
    from {{ unnest_json_array('source', '_data', '$.reportData.periods', 'per') }}

),

period_dates as (

    select
        periods.company_id,
        periods.report_key,
        {{ json_date('periods.period_json', '$.startDate') }} as period_start_date,
        {{ json_date('periods.period_json', '$.endDate') }} as period_end_date,
        periods.period_json
    from periods

),

rows_unnested as (

    select
        period_dates.company_id,
        period_dates.report_key,
        period_dates.period_start_date,
        period_dates.period_end_date,
        {{ json_array_index('rw') }} as row_index,
        {{ json_array_value('rw') }} as row_json
    from {{ unnest_json_array('period_dates', 'period_json', '$.rows', 'rw') }}

),

final as (

    select
        company_id,
        report_key,
        period_start_date,
        period_end_date,
        row_index + 1 as row_number,
        {{ json_str('row_json', '$.name') }} as row_name,
        {{ leading_account_number(json_str('row_json', '$.name')) }} as account_code,
        {{ json_money('row_json', '$.value') }} as amount
    from rows_unnested

)

select * from final
