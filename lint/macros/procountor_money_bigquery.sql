{#- Lint-only stubs: macros/money.sql rendered as its BigQuery variants. -#}

{% macro integer_divide(a, b) -%}div({{ a }}, {{ b }}){%- endmacro %}

{% macro integer_divide_half_up(n, d) -%}
    {%- set q = integer_divide('2 * abs(' ~ n ~ ') + abs(' ~ d ~ ')', '2 * abs(' ~ d ~ ')') -%}
    case when ({{ n }} < 0) != ({{ d }} < 0) then -{{ q }} else {{ q }} end
{%- endmacro %}

{% macro divide_money(num, den, scale=2, num_scale=2, den_scale=6) -%}
    {%- set n -%}
        (round(cast({{ num }} as numeric) * {{ 10 ** num_scale }}, 0, 'ROUND_HALF_AWAY_FROM_ZERO') * {{ 10 ** (den_scale + scale) }})
    {%- endset -%}
    {%- set d -%}
        (round(cast(nullif({{ den }}, 0) as numeric) * {{ 10 ** den_scale }}, 0, 'ROUND_HALF_AWAY_FROM_ZERO') * {{ 10 ** num_scale }})
    {%- endset -%}
    ({{ integer_divide_half_up(n, d) }} / {{ 10 ** scale }})
{%- endmacro %}

{% macro percent_of_money(amount_expr, percent_expr) -%}
    round(cast({{ amount_expr }} as numeric) * cast({{ percent_expr }} as numeric) / 100, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{% macro multiply_money(factors, divide_by_power_of_ten=0) -%}
    cast(round(
        {%- for f in factors %}cast({{ f }} as bignumeric){% if not loop.last %} * {% endif %}{% endfor %}
        / {{ 10 ** divide_by_power_of_ten }}, 2, 'ROUND_HALF_AWAY_FROM_ZERO'
    ) as numeric)
{%- endmacro %}
