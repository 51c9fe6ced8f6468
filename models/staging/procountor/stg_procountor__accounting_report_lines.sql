with

source as (

    select * from {{ landing('accounting_reports') }}
    where not coalesce(_is_deleted, false)

),

reports as (

    select
        _company_id as company_id,
        _record_id as report_key,
        case
            when _record_id like 'INCOME_STATEMENT:%' then 'INCOME_STATEMENT'
            when _record_id like 'BALANCE_SHEET:%' then 'BALANCE_SHEET'
            when _record_id like 'CASH_FLOW:%' then 'CASH_FLOW'
            else {{ json_str('_data', '$.reportParameters.type') }}
        end as report_type,
        _data
    from source

),

periods as (

    select
        reports.company_id,
        reports.report_key,
        reports.report_type,
        {{ json_array_value('per') }} as period_json
    from {{ unnest_json_array('reports', '_data', '$.reportData.periods', 'per') }}

),

period_dates as (

    select
        periods.company_id,
        periods.report_key,
        periods.report_type,
        {{ json_date('periods.period_json', '$.startDate') }} as period_start_date,
        {{ json_date('periods.period_json', '$.endDate') }} as period_end_date,
        periods.period_json
    from periods

),

rows_unnested as (

    select
        period_dates.company_id,
        period_dates.report_key,
        period_dates.report_type,
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
        report_type,
        period_start_date,
        period_end_date,
        row_index + 1 as row_number,
        {{ json_int('row_json', '$.rowId') }} as report_row_id,
        {{ json_str('row_json', '$.type') }} as row_type,
        {{ json_str('row_json', '$.name') }} as line_name,
        {{ json_money('row_json', '$.value') }} as amount,
        {{ json_str('row_json', '$.formula') }} as formula
    from rows_unnested

)

select * from final
