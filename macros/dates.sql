{#- Date helpers. Where dbt has a cross-database macro we use it; the rest are dispatched. -#}

{#- Calendar helpers on dbt's own cross-database macros (date_trunc, dateadd, datediff, last_day),
    cast to DATE: on BigQuery they answer TIMESTAMP / DATETIME, and our periods are dates. -#}
{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{% macro add_months(date_expr, months) -%}
    cast({{ dbt.dateadd('month', months, date_expr) }} as date)
{%- endmacro %}

{% macro add_days(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}

{#- Last day of the month of date_expr. -#}
{% macro month_end(date_expr) -%}
    cast({{ dbt.last_day(date_expr, 'month') }} as date)
{%- endmacro %}

{#- Whole days from start_expr to end_expr (end - start). -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ dbt.datediff(start_expr, end_expr, 'day') }}
{%- endmacro %}

{#- Whole calendar months from start_expr to end_expr (month boundaries crossed). -#}
{% macro months_between(start_expr, end_expr) -%}
    {{ dbt.datediff(start_expr, end_expr, 'month') }}
{%- endmacro %}

{% macro extract_year(date_expr) -%}extract(year from {{ date_expr }}){%- endmacro %}
{% macro extract_month(date_expr) -%}extract(month from {{ date_expr }}){%- endmacro %}

{#- ISO weekday 1 = Monday .. 7 = Sunday. -#}
{% macro iso_weekday(date_expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'procountor')(date_expr)) }}
{%- endmacro %}
{% macro default__iso_weekday(date_expr) -%}{{ procountor.not_supported('iso_weekday') }}{%- endmacro %}
{% macro duckdb__iso_weekday(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}
{% macro bigquery__iso_weekday(date_expr) -%}
    mod(extract(dayofweek from {{ date_expr }}) + 5, 7) + 1
{%- endmacro %}

{#- A relation of integers 0..n-1 in a column `n` (small n: month offsets, buckets). -#}
{% macro integers(n) -%}
    {{ return(adapter.dispatch('integers', 'procountor')(n)) }}
{%- endmacro %}
{% macro default__integers(n) -%}{{ procountor.not_supported('integers') }}{%- endmacro %}
{% macro duckdb__integers(n) -%}
    (select cast(generate_series as {{ procountor.type_int() }}) as n from generate_series(0, {{ n - 1 }}))
{%- endmacro %}
{% macro bigquery__integers(n) -%}
    (select n from unnest(generate_array(0, {{ n - 1 }})) as n)
{%- endmacro %}

{#- A join clause adding one row per day from start_expr to end_expr (inclusive); the day is the
    column named `column` (cast it to date: DuckDB yields a timestamp). -#}
{% macro date_spine_join(start_expr, end_expr, column) -%}
    {{ return(adapter.dispatch('date_spine_join', 'procountor')(start_expr, end_expr, column)) }}
{%- endmacro %}
{% macro default__date_spine_join(start_expr, end_expr, column) -%}
    {{ procountor.not_supported('date_spine_join') }}
{%- endmacro %}
{% macro duckdb__date_spine_join(start_expr, end_expr, column) -%}
    cross join unnest(
        generate_series(cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval 1 day)
    ) as {{ column }}_spine ({{ column }})
{%- endmacro %}
{% macro bigquery__date_spine_join(start_expr, end_expr, column) -%}
    cross join unnest(generate_date_array({{ start_expr }}, {{ end_expr }}, interval 1 day)) as {{ column }}
{%- endmacro %}
