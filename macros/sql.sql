{#- `group by 1, 2, ..., n` -#}
{% macro dbt_group_by(n) -%}
    group by {% for i in range(1, n + 1) %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endmacro %}
