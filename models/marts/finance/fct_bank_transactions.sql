{#- One row per bank statement event (incoming positive, outgoing negative), with the statement and
    the bank account; `invoice_id` links events allocated to an invoice. Child events (the parts of a
    parent event, e.g. a salary run) have their own rows with parent_event_id; the parent carries the
    amount on the statement, so `amount` is 0 on child rows and `event_amount` holds each row's own sum:
    sum(amount) over any set of rows never double counts (DECISIONLOG: "Bank statement child events"). -#}

with

events as (

    select * from {{ ref('stg_procountor__bank_statement_events') }}

),

statements as (

    select * from {{ ref('stg_procountor__bank_statements') }}

),

bank_accounts as (

    select * from {{ ref('stg_procountor__bank_accounts') }}

),

final as (

    select
        {{ key(['events.company_id', 'events.bank_statement_id', 'events.bank_statement_event_id']) }} as bank_transaction_id,
        events.company_id,
        events.bank_statement_id,
        events.bank_statement_event_id,
        statements.statement_number,
        bank_accounts.bank_account_id,
        events.bank_account_number,
        bank_accounts.ledger_account_code,
        events.currency,
        events.pay_date,
        events.value_date,
        {{ month_start('coalesce(events.value_date, events.pay_date)') }} as value_month,
        case when events.is_child_event then cast(0 as {{ type_money() }}) else events.amount end as amount,
        events.amount as event_amount,
        events.amount > 0 as is_incoming,
        events.parent_event_id,
        events.is_child_event,
        events.child_event_count,
        events.counterparty_name,
        events.counterparty_account_number,
        events.explanation_code,
        events.archive_code,
        events.reference,
        events.message,
        events.is_allocated,
        events.invoice_id
    from events
    left join statements
        on
            events.company_id = statements.company_id
            and events.bank_statement_id = statements.bank_statement_id
    left join bank_accounts
        on
            events.company_id = bank_accounts.company_id
            and (
                events.bank_account_number = bank_accounts.account_number
                or events.bank_account_number = bank_accounts.iban
            )

)

select * from final
