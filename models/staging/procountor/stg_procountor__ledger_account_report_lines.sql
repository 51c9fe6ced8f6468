with

source as (

    select * from {{ landing('ledger_account_reports') }}
    where not coalesce(_is_deleted, false)

),

reports as (

    select
        _company_id as company_id,
        _record_id as report_key,
        _data
    from source

),

{{ report_period_rows('reports') }},

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
