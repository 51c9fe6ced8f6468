{#- Portable type names. Money is DECIMAL(18,2) on DuckDB and NUMERIC on BigQuery (never floats). -#}

{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'procountor')()) }}
{%- endmacro %}
{% macro default__type_money() -%}{{ procountor.not_supported('type_money') }}{%- endmacro %}
{% macro duckdb__type_money() -%}decimal(18, 2){%- endmacro %}
{% macro bigquery__type_money() -%}numeric{%- endmacro %}

{#- Rates and percentages (25.5, currency rates with many decimals). -#}
{% macro type_decimal() -%}
    {{ return(adapter.dispatch('type_decimal', 'procountor')()) }}
{%- endmacro %}
{% macro default__type_decimal() -%}{{ procountor.not_supported('type_decimal') }}{%- endmacro %}
{% macro duckdb__type_decimal() -%}decimal(18, 6){%- endmacro %}
{% macro bigquery__type_decimal() -%}numeric{%- endmacro %}

{% macro type_int() -%}{{ dbt.type_bigint() }}{%- endmacro %}

{% macro type_text() -%}{{ dbt.type_string() }}{%- endmacro %}

{% macro type_bool() -%}{{ dbt.type_boolean() }}{%- endmacro %}

{#- Round half away from zero to 2 decimals, exact (both engines round decimals half away from zero). -#}
{% macro round_money(expr) -%}
    cast(round({{ expr }}, 2) as {{ procountor.type_money() }})
{%- endmacro %}

{#- Null-safe division (returns null when the divisor is 0 or null). -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'procountor')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__safe_divide(numerator, denominator) -%}{{ procountor.not_supported('safe_divide') }}{%- endmacro %}
{% macro duckdb__safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}
{% macro bigquery__safe_divide(numerator, denominator) -%}
    safe_divide({{ numerator }}, {{ denominator }})
{%- endmacro %}

{#- A text key from parts: 'a-b-c' (null parts become ''). -#}
{% macro key(parts) -%}
    concat({% for p in parts %}coalesce(cast({{ p }} as {{ procountor.type_text() }}), ''){% if not loop.last %}, '-', {% endif %}{% endfor %})
{%- endmacro %}

{#- Integer from text, null when the text is not an integer (account codes are text). -#}
{% macro safe_to_int(expr) -%}
    {{ return(adapter.dispatch('safe_to_int', 'procountor')(expr)) }}
{%- endmacro %}
{% macro default__safe_to_int(expr) -%}{{ procountor.not_supported('safe_to_int') }}{%- endmacro %}
{% macro duckdb__safe_to_int(expr) -%}
    try_cast({{ expr }} as bigint)
{%- endmacro %}
{% macro bigquery__safe_to_int(expr) -%}
    safe_cast({{ expr }} as int64)
{%- endmacro %}

{#- The VAT Procountor implies on a net line: round_half_up(net * percent / 100, 2), exact. -#}
{% macro implied_vat(net_expr, percent_expr) -%}
    {{ return(adapter.dispatch('implied_vat', 'procountor')(net_expr, percent_expr)) }}
{%- endmacro %}
{% macro default__implied_vat(net_expr, percent_expr) -%}{{ procountor.not_supported('implied_vat') }}{%- endmacro %}
{% macro duckdb__implied_vat(net_expr, percent_expr) -%}
    cast(round(cast({{ net_expr }} as decimal(38, 2)) * cast({{ percent_expr }} as decimal(9, 4)) * 0.01, 2) as {{ procountor.type_money() }})
{%- endmacro %}
{% macro bigquery__implied_vat(net_expr, percent_expr) -%}
    round(cast({{ net_expr }} as numeric) * cast({{ percent_expr }} as numeric) / 100, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}
