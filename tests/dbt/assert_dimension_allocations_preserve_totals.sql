-- Per ledger line and dimension, allocated + unallocated = the line amount, and every line is covered.
with per_dimension as (
    select
        gl_entry_id,
        dimension_id,
        sum(allocated_amount_debit_positive) as allocated_total,
        max(line_amount_debit_positive) as line_amount
    from {{ ref('fct_gl_dimension_allocations') }}
    group by 1, 2
)

select *
from per_dimension
where abs(allocated_total - line_amount) > {{ var('procountor_tolerance') }}
