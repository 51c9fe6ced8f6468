-- Every bank statement: start balance + the events' amounts = end balance, with child events in
-- fct_bank_transactions (their amount is carried by the parent, so they must not double count).
with statements as (
    select
        company_id,
        bank_statement_id,
        start_balance,
        end_balance
    from {{ ref('stg_procountor__bank_statements') }}
    where start_balance is not null and end_balance is not null
),

movements as (
    select
        company_id,
        bank_statement_id,
        sum(amount) as movement
    from {{ ref('fct_bank_transactions') }}
    group by 1, 2
)

select
    statements.company_id,
    statements.bank_statement_id,
    statements.start_balance,
    statements.end_balance,
    movements.movement
from statements
left join movements
    on
        statements.company_id = movements.company_id
        and statements.bank_statement_id = movements.bank_statement_id
where abs(statements.start_balance + coalesce(movements.movement, 0) - statements.end_balance) > {{ var('procountor_tolerance') }}
