{#- Lint-only stubs: macros/money.sql rendered as its BigQuery variants. -#}

{% macro integer_divide(a, b) -%}div({{ a }}, {{ b }}){%- endmacro %}

{% macro integer_divide_half_up(n, d) -%}
    {%- set q = integer_divide('2 * abs(' ~ n ~ ') + abs(' ~ d ~ ')', '2 * abs(' ~ d ~ ')') -%}
    case when ({{ n }} < 0) != ({{ d }} < 0) then -{{ q }} else {{ q }} end
{%- endmacro %}

{% macro divide_money(num, den, scale=2, num_scale=2, den_scale=6) -%}
    round(cast({{ num }} as numeric) / cast(nullif({{ den }}, 0) as numeric), {{ scale }}, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{% macro percent_of_money(amount_expr, percent_expr) -%}
    round(cast({{ amount_expr }} as numeric) * cast({{ percent_expr }} as numeric) / 100, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{% macro multiply_money(factors, divide_by_power_of_ten=0) -%}
    {%- set ns = namespace(expr='cast(' ~ factors[0] ~ ' as numeric)') -%}
    {%- for f in factors[1:] -%}
        {%- set ns.expr = 'cast(' ~ ns.expr ~ ' * (' ~ f ~ ') as numeric)' -%}
    {%- endfor -%}
    round({{ ns.expr }} / {{ 10 ** divide_by_power_of_ten }}, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}
