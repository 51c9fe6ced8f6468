{#- A view: base_procountor__bank_statements parsed the JSON once; this picks the statement's columns. -#}

with

statements as (

    select * from {{ ref('base_procountor__bank_statements') }}

),

final as (

    select
        company_id,
        bank_statement_id,
        account_number,
        statement_number,
        start_date,
        end_date,
        currency,
        deposit_count,
        deposit_sum,
        withdrawal_count,
        withdrawal_sum,
        start_balance,
        end_balance,
        loaded_at
    from statements

)

select * from final
