{#- JSON helpers. The landing column `_data` is JSON text (VARCHAR on DuckDB, STRING on BigQuery);
    every helper takes a JSON text expression and a JSONPath like '$.paymentInfo.dueDate'. -#}

{% macro json_str(json_expr, path) -%}
    {{ return(adapter.dispatch('json_str', 'procountor')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_str(json_expr, path) -%}{{ procountor.not_supported('json_str') }}{%- endmacro %}

{% macro duckdb__json_str(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro bigquery__json_str(json_expr, path) -%}
    json_value({{ json_expr }}, '{{ path }}')
{%- endmacro %}


{#- A nested object or array as JSON text (for further extraction or unnesting). -#}
{% macro json_obj(json_expr, path) -%}
    {{ return(adapter.dispatch('json_obj', 'procountor')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_obj(json_expr, path) -%}{{ procountor.not_supported('json_obj') }}{%- endmacro %}
{% macro duckdb__json_obj(json_expr, path) -%}
    cast(json_extract({{ json_expr }}, '{{ path }}') as {{ procountor.type_text() }})
{%- endmacro %}

{% macro bigquery__json_obj(json_expr, path) -%}
    json_query({{ json_expr }}, '{{ path }}')
{%- endmacro %}


{#- Typed scalar extraction. Money is exact: JSON number text -> DECIMAL(18,2) / NUMERIC. -#}
{% macro json_money(json_expr, path) -%}
    cast({{ procountor.json_str(json_expr, path) }} as {{ procountor.type_money() }})
{%- endmacro %}

{% macro json_decimal(json_expr, path) -%}
    cast({{ procountor.json_str(json_expr, path) }} as {{ procountor.type_decimal() }})
{%- endmacro %}

{% macro json_int(json_expr, path) -%}
    cast({{ procountor.json_str(json_expr, path) }} as {{ procountor.type_int() }})
{%- endmacro %}

{% macro json_bool(json_expr, path) -%}
    cast({{ procountor.json_str(json_expr, path) }} as {{ procountor.type_bool() }})
{%- endmacro %}

{#- Dates arrive as 'YYYY-MM-DD'; an empty string is treated as null. -#}
{% macro json_date(json_expr, path) -%}
    cast(nullif({{ procountor.json_str(json_expr, path) }}, '') as date)
{%- endmacro %}

{#- Naive Finnish local timestamps ('2026-03-16T10:02:47'), kept naive. -#}
{% macro json_timestamp(json_expr, path) -%}
    {{ return(adapter.dispatch('json_timestamp', 'procountor')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_timestamp(json_expr, path) -%}{{ procountor.not_supported('json_timestamp') }}{%- endmacro %}
{% macro duckdb__json_timestamp(json_expr, path) -%}
    cast(nullif({{ procountor.json_str(json_expr, path) }}, '') as timestamp)
{%- endmacro %}

{% macro bigquery__json_timestamp(json_expr, path) -%}
    cast(nullif({{ procountor.json_str(json_expr, path) }}, '') as datetime)
{%- endmacro %}


{#- Unnest a JSON array into one row per element, as a join clause:
      from parent as p
      {{ unnest_json_array('p._data', '$.transactions', 'txn') }}
    then read the element with json_array_value('txn') and its 0-based position with
    json_array_index('txn'). Parents with a missing or empty array produce no rows. -#}
{% macro unnest_json_array(json_expr, path, alias) -%}
    {{ return(adapter.dispatch('unnest_json_array', 'procountor')(json_expr, path, alias)) }}
{%- endmacro %}

{% macro default__unnest_json_array(json_expr, path, alias) -%}{{ procountor.not_supported('unnest_json_array') }}{%- endmacro %}
{% macro duckdb__unnest_json_array(json_expr, path, alias) -%}
    cross join json_each({{ json_expr }}, '{{ path }}') as {{ alias }}
{%- endmacro %}

{% macro bigquery__unnest_json_array(json_expr, path, alias) -%}
    cross join unnest(json_query_array({{ json_expr }}, '{{ path }}')) as {{ alias }} with offset as {{ alias }}_index
{%- endmacro %}

{% macro json_array_value(alias) -%}
    {{ return(adapter.dispatch('json_array_value', 'procountor')(alias)) }}
{%- endmacro %}

{% macro default__json_array_value(alias) -%}{{ procountor.not_supported('json_array_value') }}{%- endmacro %}
{% macro duckdb__json_array_value(alias) -%}
    cast({{ alias }}.value as {{ procountor.type_text() }})
{%- endmacro %}

{% macro bigquery__json_array_value(alias) -%}
    {{ alias }}
{%- endmacro %}

{% macro json_array_index(alias) -%}
    {{ return(adapter.dispatch('json_array_index', 'procountor')(alias)) }}
{%- endmacro %}

{% macro default__json_array_index(alias) -%}{{ procountor.not_supported('json_array_index') }}{%- endmacro %}
{% macro duckdb__json_array_index(alias) -%}
    cast({{ alias }}.key as {{ procountor.type_int() }})
{%- endmacro %}

{% macro bigquery__json_array_index(alias) -%}
    {{ alias }}_index
{%- endmacro %}
