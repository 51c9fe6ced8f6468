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
