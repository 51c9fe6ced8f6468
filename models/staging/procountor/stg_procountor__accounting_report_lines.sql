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

{{ report_period_rows('reports', ['report_type']) }},

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
