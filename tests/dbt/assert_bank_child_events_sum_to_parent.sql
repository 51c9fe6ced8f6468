{{ config(severity='warn') }}
-- The child events of a bank statement event split the parent's sum (the sandbox's salary runs do). A
-- warning, not an error: Procountor does not document it, and fct_bank_transactions counts the parent.
with children as (
    select
        company_id,
        bank_statement_id,
        parent_event_id,
        sum(event_amount) as children_amount
    from {{ ref('fct_bank_transactions') }}
    where is_child_event
    group by 1, 2, 3
)

select
    children.company_id,
    children.bank_statement_id,
    children.parent_event_id,
    parents.event_amount as parent_amount,
    children.children_amount
from children
inner join {{ ref('fct_bank_transactions') }} as parents
    on
        children.company_id = parents.company_id
        and children.bank_statement_id = parents.bank_statement_id
        and children.parent_event_id = parents.bank_statement_event_id
        and not parents.is_child_event
where abs(children.children_amount - parents.event_amount) > {{ var('procountor_tolerance') }}
