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


{#- One row per element of a JSON array, as a relation to select from in place of `relation`:
      from {{ unnest_json_array('source', '_data', '$.transactions', 'txn') }}
    keeps every column of `relation` but json_column (still reachable as relation.column) and adds the
    element, read with json_array_value('txn'), and its 0-based position, json_array_index('txn'). Rows
    whose array is missing, null or empty produce no rows. Read what you need of the parent's JSON in
    the CTE before: carrying a document into each of its elements' rows costs its size times their
    number (a bank statement of 2 000 events: seconds instead of milliseconds).
    On DuckDB the array is cast to JSON[] and unnested in the select list: json_each slows down with
    document size (a bank statement with 2 000 events), the list unnest does not. -#}
{% macro unnest_json_array(relation, json_column, path, alias) -%}
    {{ return(adapter.dispatch('unnest_json_array', 'procountor')(relation, json_column, path, alias)) }}
{%- endmacro %}

{% macro default__unnest_json_array(relation, json_column, path, alias) -%}{{ procountor.not_supported('unnest_json_array') }}{%- endmacro %}

{% macro duckdb__unnest_json_array(relation, json_column, path, alias) -%}
    (
        select
            * exclude ({{ alias }}_list, {{ json_column }}),
            unnest({{ alias }}_list) as {{ alias }}_value,
            generate_subscripts({{ alias }}_list, 1) - 1 as {{ alias }}_index
        from (
            select
                *,
                cast(json_extract({{ json_column }}, '{{ path }}') as json []) as {{ alias }}_list
            from {{ relation }}
        )
    ) as {{ relation }}
{%- endmacro %}

{% macro bigquery__unnest_json_array(relation, json_column, path, alias) -%}
    {#- A plain join in the FROM clause, no subquery: BigQuery unnests lazily either way, and a local
        emulator loses the WITH OFFSET column when it sits in a subquery. -#}
    {{ relation }}
    cross join unnest(json_query_array({{ relation }}.{{ json_column }}, '{{ path }}')) as {{ alias }}_value
        with offset as {{ alias }}_index
{%- endmacro %}

{#- The element of unnest_json_array(..., alias), as JSON text. -#}
{% macro json_array_value(alias) -%}
    {{ return(adapter.dispatch('json_array_value', 'procountor')(alias)) }}
{%- endmacro %}

{% macro default__json_array_value(alias) -%}{{ procountor.not_supported('json_array_value') }}{%- endmacro %}

{% macro duckdb__json_array_value(alias) -%}
    cast({{ alias }}_value as {{ procountor.type_text() }})
{%- endmacro %}

{% macro bigquery__json_array_value(alias) -%}
    {{ alias }}_value
{%- endmacro %}

{#- The 0-based position of the element of unnest_json_array(..., alias). -#}
{% macro json_array_index(alias) -%}
    cast({{ alias }}_index as {{ procountor.type_int() }})
{%- endmacro %}
