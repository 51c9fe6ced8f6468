{#- Reading landing tables that may not be there.

    A stream the API user has no rights to (403 on /payments, /bankstatements, ...) or that was not
    selected leaves its landing table empty, and on BigQuery it may never have been created. Models
    read landing tables through `landing(stream)` instead of `source()`: the existing table, or an
    empty relation with the landing contract's columns and types (docs/architecture.md, "Landing
    contract") when the table does not exist, so every model still builds and the stream's marts are
    empty (DECISIONLOG: "Missing streams"). `source()` is still called, so lineage, docs and unit-test
    fixtures see the source as before. -#}

{% macro landing(stream) -%}
    {%- set relation = source('procountor', stream) -%}
    {#- unit tests hand a fixture CTE in the source's place, which always "exists"; offline renderers
        (the lint templater) hand a plain name -#}
    {%- if not execute or relation is string or relation.identifier.startswith('__dbt__cte__') -%}
        {{ return(relation) }}
    {%- elif procountor.landing_table_exists(relation) -%}
        {{ return(relation) }}
    {%- else -%}
        {{ return('(' ~ procountor.empty_landing_table() ~ ')') }}
    {%- endif -%}
{%- endmacro %}


{#- The body of a base_procountor__<stream>_landing view: the landing table as landed (live rows and
    tombstones, every landing-contract column), a plain projection so that BigQuery pushes a reader's
    `_loaded_at` filter through it (DECISIONLOG: "One reader per landing table"). -#}
{% macro landing_as_landed(stream) -%}
with

landing as (

    select * from {{ procountor.landing(stream) }}

),

final as (

    select
        _company_id,
        _record_id,
        _data,
        _record_hash,
        _cursor_value,
        _extracted_at,
        _loaded_at,
        _sync_id,
        _is_deleted,
        _deleted_at
    from landing

)

select * from final
{%- endmacro %}


{#- Whether the landing table of `relation` (a source relation) exists in the warehouse. -#}
{% macro landing_table_exists(relation) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) -%}
    {{ return(found is not none) }}
{%- endmacro %}


{#- A relation with no rows and the landing contract's columns, typed as the loader creates them. -#}
{% macro empty_landing_table() -%}
    {{ return(adapter.dispatch('empty_landing_table', 'procountor')()) }}
{%- endmacro %}

{#- `limit 0` rather than `where false`: BigQuery refuses WHERE in a query without FROM. -#}
{% macro default__empty_landing_table() -%}
    select
        cast(null as {{ procountor.type_int() }}) as _company_id,
        cast(null as {{ procountor.type_text() }}) as _record_id,
        cast(null as {{ procountor.type_text() }}) as _data,
        cast(null as {{ procountor.type_text() }}) as _record_hash,
        cast(null as {{ procountor.type_text() }}) as _cursor_value,
        cast(null as timestamp) as _extracted_at,
        cast(null as timestamp) as _loaded_at,
        cast(null as {{ procountor.type_text() }}) as _sync_id,
        cast(null as {{ procountor.type_bool() }}) as _is_deleted,
        cast(null as timestamp) as _deleted_at
    limit 0
{%- endmacro %}

{#- not_null on a landing column, passing when the landing table does not exist (a missing stream). -#}
{% test landed_not_null(model, column_name) -%}
    {%- if execute and not procountor.landing_table_exists(model) %}
        select 1 as missing_landing_table
        limit 0
    {%- else %}
        select {{ column_name }}
        from {{ model }}
        where {{ column_name }} is null
    {%- endif %}
{%- endtest %}


{#- Unit-test fixture rows for a landing table, for `format: sql` inputs: dbt reads a dict fixture's
    column types from the warehouse, which fails when the landing table does not exist (the very case
    above). `rows` is a list of dicts keyed by landing columns; columns not given are null. -#}
{% macro landing_fixture(rows) -%}
    {%- set types = {
        '_company_id': procountor.type_int(), '_record_id': procountor.type_text(),
        '_data': procountor.type_text(), '_record_hash': procountor.type_text(),
        '_cursor_value': procountor.type_text(), '_extracted_at': 'timestamp', '_loaded_at': 'timestamp',
        '_sync_id': procountor.type_text(), '_is_deleted': procountor.type_bool(), '_deleted_at': 'timestamp',
    } -%}
    {%- for row in rows %}
    select
        {%- for column, column_type in types.items() %}
        {%- set value = row.get(column) %}
        cast(
            {%- if value is none %} null
            {%- elif value is string %} '{{ value | replace("'", "''") }}'
            {%- else %} {{ value }}
            {%- endif %} as {{ column_type }}) as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
