{#- Date helpers (dispatched; DuckDB and BigQuery spell these differently). -#}

{% macro month_start(date_expr) -%}
    {{ return(adapter.dispatch('month_start', 'procountor')(date_expr)) }}
{%- endmacro %}
{% macro default__month_start(date_expr) -%}
    cast(date_trunc('month', {{ date_expr }}) as date)
{%- endmacro %}
{% macro bigquery__month_start(date_expr) -%}
    date_trunc({{ date_expr }}, month)
{%- endmacro %}

{% macro add_months(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months', 'procountor')(date_expr, months)) }}
{%- endmacro %}
{% macro default__add_months(date_expr, months) -%}
    cast({{ date_expr }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}
{% macro bigquery__add_months(date_expr, months) -%}
    date_add({{ date_expr }}, interval {{ months }} month)
{%- endmacro %}

{% macro add_days(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days', 'procountor')(date_expr, days)) }}
{%- endmacro %}
{% macro default__add_days(date_expr, days) -%}
    cast({{ date_expr }} + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}
{% macro bigquery__add_days(date_expr, days) -%}
    date_add({{ date_expr }}, interval {{ days }} day)
{%- endmacro %}

{#- Last day of the month of date_expr. -#}
{% macro month_end(date_expr) -%}
    {{ return(adapter.dispatch('month_end', 'procountor')(date_expr)) }}
{%- endmacro %}
{% macro default__month_end(date_expr) -%}
    last_day(cast({{ date_expr }} as date))
{%- endmacro %}
{% macro bigquery__month_end(date_expr) -%}
    last_day({{ date_expr }}, month)
{%- endmacro %}

{#- Whole days from start_expr to end_expr (end - start). -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('days_between', 'procountor')(start_expr, end_expr)) }}
{%- endmacro %}
{% macro default__days_between(start_expr, end_expr) -%}
    date_diff('day', {{ start_expr }}, {{ end_expr }})
{%- endmacro %}
{% macro bigquery__days_between(start_expr, end_expr) -%}
    date_diff({{ end_expr }}, {{ start_expr }}, day)
{%- endmacro %}

{#- Whole calendar months from start_expr to end_expr. -#}
{% macro months_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('months_between', 'procountor')(start_expr, end_expr)) }}
{%- endmacro %}
{% macro default__months_between(start_expr, end_expr) -%}
    date_diff('month', {{ start_expr }}, {{ end_expr }})
{%- endmacro %}
{% macro bigquery__months_between(start_expr, end_expr) -%}
    date_diff({{ end_expr }}, {{ start_expr }}, month)
{%- endmacro %}

{% macro extract_year(date_expr) -%}extract(year from {{ date_expr }}){%- endmacro %}
{% macro extract_month(date_expr) -%}extract(month from {{ date_expr }}){%- endmacro %}

{#- ISO weekday 1 = Monday .. 7 = Sunday. -#}
{% macro iso_weekday(date_expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'procountor')(date_expr)) }}
{%- endmacro %}
{% macro default__iso_weekday(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}
{% macro bigquery__iso_weekday(date_expr) -%}
    mod(extract(dayofweek from {{ date_expr }}) + 5, 7) + 1
{%- endmacro %}

{#- A relation of integers 0..n-1 in a column `n` (small n: month offsets, buckets). -#}
{% macro integers(n) -%}
    {{ return(adapter.dispatch('integers', 'procountor')(n)) }}
{%- endmacro %}
{% macro default__integers(n) -%}
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
    cross join unnest(generate_series(cast({{ start_expr }} as timestamp), cast({{ end_expr }} as timestamp), interval 1 day)) as {{ column }}_spine ({{ column }})
{%- endmacro %}
{% macro bigquery__date_spine_join(start_expr, end_expr, column) -%}
    cross join unnest(generate_date_array({{ start_expr }}, {{ end_expr }}, interval 1 day)) as {{ column }}
{%- endmacro %}
