{#- The consolidated rows of a statement: every company summed by calendar period, company and fiscal
    keys null, is_consolidated true (DECISIONLOG "Multi-company and consolidation").
      null_columns: [(name, 'int' | 'text'), ...]  per-company keys that have no consolidated value
      group_columns: columns kept as they are and grouped by
      sum_columns / min_columns: aggregated columns, in that order -#}
{% macro consolidated_rows(source, null_columns, group_columns, sum_columns, min_columns=[]) -%}
    select
        cast(null as {{ procountor.type_int() }}) as company_id,
        true as is_consolidated,
        {%- for name, kind in null_columns %}
        cast(null as {{ procountor.type_int() if kind == 'int' else procountor.type_text() }}) as {{ name }},
        {%- endfor %}
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
        {%- for column in sum_columns %}
        sum({{ column }}) as {{ column }}{{ ',' if not loop.last or min_columns }}
        {%- endfor %}
        {%- for column in min_columns %}
        min({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source }}
    group by all
{%- endmacro %}
