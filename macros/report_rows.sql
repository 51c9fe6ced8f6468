{#- The account number a Procountor report row's name carries: its leading digits ("3000 Myynti" ->
    '3000'; leading spaces allowed), null when the name does not start with a digit. Procountor's
    report rows have no account field, so the name is the only place the number can be. -#}
{% macro leading_account_number(name_expr) -%}
    {{ return(adapter.dispatch('leading_account_number', 'procountor')(name_expr)) }}
{%- endmacro %}

{% macro default__leading_account_number(name_expr) -%}{{ procountor.not_supported('leading_account_number') }}{%- endmacro %}

{% macro duckdb__leading_account_number(name_expr) -%}
nullif(regexp_extract({{ name_expr }}, '^ *([0-9]+)', 1), '')
{%- endmacro %}

{% macro bigquery__leading_account_number(name_expr) -%}
regexp_extract({{ name_expr }}, r'^ *([0-9]+)')
{%- endmacro %}


{#- The rows of a Procountor report body (`reportData.periods[].rows[]`), one per period and row, as
    the CTEs `periods`, `period_dates` and `rows_unnested` (the last one to select from).
    `reports`: a CTE with company_id, report_key, the `carried` columns and the report's `_data`.
    rows_unnested has company_id, report_key, the carried columns, period_start_date, period_end_date,
    row_index (0-based) and row_json. Shared by the accounting and ledger-account report models. -#}
{% macro report_period_rows(reports, carried=[]) -%}
periods as (

    select
        {{ reports }}.company_id,
        {{ reports }}.report_key,
        {%- for column in carried %}
        {{ reports }}.{{ column }},
        {%- endfor %}
        {{ procountor.json_array_value('per') }} as period_json
    from {{ procountor.unnest_json_array(reports, '_data', '$.reportData.periods', 'per') }}

),

period_dates as (

    select
        periods.company_id,
        periods.report_key,
        {%- for column in carried %}
        periods.{{ column }},
        {%- endfor %}
        {{ procountor.json_date('periods.period_json', '$.startDate') }} as period_start_date,
        {{ procountor.json_date('periods.period_json', '$.endDate') }} as period_end_date,
        periods.period_json
    from periods

),

rows_unnested as (

    select
        period_dates.company_id,
        period_dates.report_key,
        {%- for column in carried %}
        period_dates.{{ column }},
        {%- endfor %}
        period_dates.period_start_date,
        period_dates.period_end_date,
        {{ procountor.json_array_index('rw') }} as row_index,
        {{ procountor.json_array_value('rw') }} as row_json
    from {{ procountor.unnest_json_array('period_dates', 'period_json', '$.rows', 'rw') }}

)
{%- endmacro %}
