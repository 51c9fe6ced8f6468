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

{% macro default__unnest_json_array(relation, json_column, path, alias) -%}
    {{ procountor.not_supported('unnest_json_array') }}
{%- endmacro %}

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


{#- A whole JSON document parsed once into a typed struct, read in the next CTE as `doc.receiptdate`:
    field names are the JSON keys, written in lower case in SQL (struct fields are case-insensitive on
    both engines; the BigQuery struct names them in lower case, DuckDB's keeps the JSON key).
    `spec` declares the fields to keep, by their JSON key, in the document's shape:
      {'receiptDate': 'date', 'paymentInfo': {'dueDate': 'date'}, 'transactions': [{'id': 'int'}]}
    a type name (text, int, money, decimal, bool, date, timestamp), a dict for a nested object, a
    one-element list for an array of objects (an array of structs: unnest it with unnest_array).
    Missing keys and JSON nulls are null; an empty string is null for dates and timestamps. Money is
    exact: DuckDB reads a JSON number straight into DECIMAL(18,2) (json_extract_string would go through
    a double and lose digits beyond the 15th); BigQuery casts the number's text to NUMERIC.
    On DuckDB one from_json call reads each document once; per-field json_extract_string parses the
    whole document again for every field (issue 11: the receipts' 20 fields took 20 s where one
    from_json takes 5 s on 384 k receipts). A value of the wrong type (a date that is no date, text in
    an int field) is null on DuckDB and an error on BigQuery. -#}
{% macro json_parse(json_expr, spec) -%}
    {{ return(adapter.dispatch('json_parse', 'procountor')(json_expr, spec)) }}
{%- endmacro %}

{% macro default__json_parse(json_expr, spec) -%}{{ procountor.not_supported('json_parse') }}{%- endmacro %}

{% macro duckdb__json_parse(json_expr, spec) -%}
    from_json({{ json_expr }}, '{{ procountor.duckdb__json_structure(spec) }}')
{%- endmacro %}

{#- The spec as a DuckDB JSON structure: {"receiptDate": "DATE", "transactions": [{"id": "BIGINT"}]}. -#}
{% macro duckdb__json_structure(spec) -%}
    {%- set types = {
        'text': 'VARCHAR', 'int': 'BIGINT', 'money': 'DECIMAL(18,2)', 'decimal': 'DECIMAL(18,6)',
        'bool': 'BOOLEAN', 'date': 'DATE', 'timestamp': 'TIMESTAMP',
    } -%}
    {%- if spec is mapping -%}
        {{ '{' }}{%- for key, value in spec.items() -%}
            "{{ key }}": {{ procountor.duckdb__json_structure(value) }}{{ ', ' if not loop.last }}
        {%- endfor -%}{{ '}' }}
    {%- elif spec is string -%}
        "{{ types[spec] }}"
    {%- else -%}
        [{{ procountor.duckdb__json_structure(spec[0]) }}]
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__json_parse(json_expr, spec, depth=0) -%}
    struct(
        {%- for key, value in spec.items() %}
        {%- set path = '$.' ~ key %}
        {%- if value is mapping %}
        {{ procountor.bigquery__json_parse(procountor.json_obj(json_expr, path), value, depth) }}
        {%- elif value is string %}
        {{ procountor.json_typed(json_expr, path, value) }}
        {%- else %}
        array(
            select {{ procountor.bigquery__json_parse('element_' ~ depth, value[0], depth + 1) }}
            from unnest(json_query_array({{ json_expr }}, '{{ path }}')) as element_{{ depth }}
                with offset as position_{{ depth }}
            order by position_{{ depth }}
        )
        {%- endif %} as {{ key | lower }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{#- One JSON field as the spec type `type_name` (see json_parse). -#}
{% macro json_typed(json_expr, path, type_name) -%}
    {%- if type_name == 'text' -%}{{ procountor.json_str(json_expr, path) }}
    {%- elif type_name == 'int' -%}{{ procountor.json_int(json_expr, path) }}
    {%- elif type_name == 'money' -%}{{ procountor.json_money(json_expr, path) }}
    {%- elif type_name == 'decimal' -%}{{ procountor.json_decimal(json_expr, path) }}
    {%- elif type_name == 'bool' -%}{{ procountor.json_bool(json_expr, path) }}
    {%- elif type_name == 'date' -%}{{ procountor.json_date(json_expr, path) }}
    {%- elif type_name == 'timestamp' -%}{{ procountor.json_timestamp(json_expr, path) }}
    {%- else -%}{{ exceptions.raise_compiler_error('json_parse: unknown type ' ~ type_name) }}
    {%- endif -%}
{%- endmacro %}


{#- One row per element of an array column (an array of structs from json_parse), as a relation to
    select from in place of `relation`:
      from {{ unnest_array(ref('base_procountor__ledger_receipts'), 'transactions', 'txn') }}
    keeps every column of `relation` but `column` and adds the element `<alias>_value` (read its fields
    as txn_value.id) and its 0-based position, json_array_index('txn'). Rows whose array is null or
    empty produce no rows. -#}
{% macro unnest_array(relation, column, alias) -%}
    {{ return(adapter.dispatch('unnest_array', 'procountor')(relation, column, alias)) }}
{%- endmacro %}

{% macro default__unnest_array(relation, column, alias) -%}{{ procountor.not_supported('unnest_array') }}{%- endmacro %}

{% macro duckdb__unnest_array(relation, column, alias) -%}
    (
        select
            * exclude ({{ column }}),
            unnest({{ column }}) as {{ alias }}_value,
            generate_subscripts({{ column }}, 1) - 1 as {{ alias }}_index
        from {{ relation }}
    ) as {{ alias }}_parent
{%- endmacro %}

{% macro bigquery__unnest_array(relation, column, alias) -%}
    {{ relation }} as {{ alias }}_parent
    cross join unnest({{ alias }}_parent.{{ column }}) as {{ alias }}_value
        with offset as {{ alias }}_index
{%- endmacro %}
