{#- Exact money arithmetic (DECISIONLOG: "Exact money").

    DuckDB's DECIMAL / DECIMAL yields a DOUBLE, so round(a / b, 2) can round a half cent the wrong
    way (2.51 / 2 -> 1.25). On DuckDB these macros never divide decimals: they scale the operands to
    HUGEINTs, divide with integer division and round half away from zero, as the sandbox's
    ROUND_HALF_UP and Procountor do. BigQuery's NUMERIC arithmetic is exact to 9 decimals. -#}

{#- round_half_away_from_zero(num / den, scale), exact; null when den is 0 or null.
    num_scale / den_scale: the most decimals num / den can carry (money 2, rates and percentages 6);
    an operand with more decimals is first rounded to that many. Result: DECIMAL(18, 2) / NUMERIC
    when scale = 2 (type_money), else DECIMAL(38, scale) / NUMERIC. -#}
{% macro divide_money(num, den, scale=2, num_scale=2, den_scale=6) -%}
    {{ return(adapter.dispatch('divide_money', 'procountor')(num, den, scale, num_scale, den_scale)) }}
{%- endmacro %}

{#- n / d for integers n, d, rounded half away from zero: sign(n) * sign(d) * floor((2|n| + |d|) / (2|d|)).
    divide_money passes n = num * 10^(num_scale + den_scale + scale) and d = den * 10^(num_scale + den_scale),
    so the result is num / den in units of 10^-scale. -#}
{% macro integer_divide_half_up(n, d) -%}
    {%- set q = procountor.integer_divide('2 * abs(' ~ n ~ ') + abs(' ~ d ~ ')', '2 * abs(' ~ d ~ ')') -%}
    case when ({{ n }} < 0) != ({{ d }} < 0) then -{{ q }} else {{ q }} end
{%- endmacro %}

{#- Integer division of non-negative integers (floor). -#}
{% macro integer_divide(a, b) -%}
    {{ return(adapter.dispatch('integer_divide', 'procountor')(a, b)) }}
{%- endmacro %}
{% macro default__integer_divide(a, b) -%}{{ procountor.not_supported('integer_divide') }}{%- endmacro %}
{% macro duckdb__integer_divide(a, b) -%}(({{ a }}) // ({{ b }})){%- endmacro %}
{% macro bigquery__integer_divide(a, b) -%}div({{ a }}, {{ b }}){%- endmacro %}

{% macro default__divide_money(num, den, scale, num_scale, den_scale) -%}
    {{ procountor.not_supported('divide_money') }}
{%- endmacro %}
{% macro duckdb__divide_money(num, den, scale, num_scale, den_scale) -%}
    {%- set n -%}
        (cast(cast({{ num }} as decimal(38, {{ num_scale }})) * {{ 10 ** num_scale }} as hugeint) * {{ 10 ** (den_scale + scale) }})
    {%- endset -%}
    {%- set d -%}
        (cast(cast(nullif({{ den }}, 0) as decimal(38, {{ den_scale }})) * {{ 10 ** den_scale }} as hugeint) * {{ 10 ** num_scale }})
    {%- endset -%}
    {%- set unit = '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    cast(
        cast({{ procountor.integer_divide_half_up(n, d) }} as decimal(38, 0)) * {{ unit }}
        as {{ procountor.type_money() if scale == 2 else 'decimal(38, ' ~ scale ~ ')' }}
    )
{%- endmacro %}

{% macro bigquery__divide_money(num, den, scale, num_scale, den_scale) -%}
    {#- BigQuery divides NUMERIC exactly to 9 decimals, so an exact half cent (2.51 / 2 = 1.255) rounds
        right. Only a quotient within 5e-10 of a half cent, not on it, could round twice; with money
        (2 decimals) over a divisor of 6 decimals that needs |den| > 2 (DECISIONLOG "Exact money"). No
        integer scaling here: NUMERIC has 29 integer digits and the emulators fewer. -#}
    round(cast({{ num }} as numeric) / cast(nullif({{ den }}, 0) as numeric), {{ scale }}, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{#- The share of an amount given as a percentage, round_half_away_from_zero(amount * percent / 100, 2),
    exact (decimal multiplication only). Used for the deductible share of VAT (vatDeductionPercent). -#}
{% macro percent_of_money(amount_expr, percent_expr) -%}
    {{ return(adapter.dispatch('percent_of_money', 'procountor')(amount_expr, percent_expr)) }}
{%- endmacro %}
{% macro default__percent_of_money(amount_expr, percent_expr) -%}{{ procountor.not_supported('percent_of_money') }}{%- endmacro %}
{% macro duckdb__percent_of_money(amount_expr, percent_expr) -%}
    cast(round(cast({{ amount_expr }} as decimal(38, 2)) * cast({{ percent_expr }} as decimal(18, 6)) * 0.01, 2) as {{ procountor.type_money() }})
{%- endmacro %}
{% macro bigquery__percent_of_money(amount_expr, percent_expr) -%}
    round(cast({{ amount_expr }} as numeric) * cast({{ percent_expr }} as numeric) / 100, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{#- round_half_away_from_zero(f1 x f2 x ... / 10^divide_by_power_of_ten, 2), exact: HUGEINT products on
    DuckDB (each factor at most 6 decimals), NUMERIC on BigQuery (never a literal like 0.01: that is a
    FLOAT64 there). E.g. quantity x unit price x (100 - row discount %)
    x (100 - invoice discount %) / 10^4. -#}
{% macro multiply_money(factors, divide_by_power_of_ten=0) -%}
    {{ return(adapter.dispatch('multiply_money', 'procountor')(factors, divide_by_power_of_ten)) }}
{%- endmacro %}
{% macro default__multiply_money(factors, divide_by_power_of_ten) -%}
    {{ procountor.not_supported('multiply_money') }}
{%- endmacro %}
{% macro duckdb__multiply_money(factors, divide_by_power_of_ten) -%}
    {#- DECIMAL products widen past DECIMAL(38) quickly (and then overflow): multiply HUGEINTs at 6 decimals
        per factor and divide by the power of ten with half-up rounding. -#}
    {%- set n -%}
        ({% for f in factors %}cast(cast({{ f }} as decimal(38, 6)) * 1000000 as hugeint){% if not loop.last %} * {% endif %}{% endfor %})
    {%- endset -%}
    {%- set d = 10 ** (6 * (factors | length) + divide_by_power_of_ten - 2) -%}
    cast(cast({{ procountor.integer_divide_half_up(n, d) }} as decimal(38, 0)) * 0.01 as {{ procountor.type_money() }})
{%- endmacro %}
{% macro bigquery__multiply_money(factors, divide_by_power_of_ten) -%}
    {#- NUMERIC products, cast back to NUMERIC after each factor (keeps engines that map NUMERIC to a
        DECIMAL(38) from widening): exact while the factors' decimals add up to at most 9. -#}
    {%- set ns = namespace(expr='cast(' ~ factors[0] ~ ' as numeric)') -%}
    {%- for f in factors[1:] -%}
        {%- set ns.expr = 'cast(' ~ ns.expr ~ ' * (' ~ f ~ ') as numeric)' -%}
    {%- endfor -%}
    round({{ ns.expr }} / {{ 10 ** divide_by_power_of_ten }}, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{#- +1 for classes whose normal balance is a debit (assets, expenses, financial items, appropriations, taxes),
    -1 for credit-normal classes (revenue, equity, accumulated appropriations, provisions, liabilities),
    null when the account maps to no line. The classes are those of seeds/procountor_statement_lines.csv. -#}
{% macro natural_sign(account_class) -%}
    case
        when {{ account_class }} in ('asset', 'expense', 'financial', 'appropriations', 'tax') then 1
        when {{ account_class }} is not null then -1
    end
{%- endmacro %}
