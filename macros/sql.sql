{#- The default__ variant of every dispatched macro: the project speaks DuckDB and BigQuery only, and an
    adapter without its own variant must fail at compile time rather than run another dialect's SQL. -#}
{% macro not_supported(name) -%}
    {{ exceptions.raise_compiler_error(
        "procountor: macro " ~ name ~ " has no variant for adapter '" ~ target.type ~ "'; "
        ~ "this dbt project supports duckdb and bigquery"
    ) }}
{%- endmacro %}
