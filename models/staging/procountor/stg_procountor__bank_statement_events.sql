{#- Bank statement events: the statement's top-level events (bank_statements.events) and their child
    events (events[].event: e.g. the parts of a salary run or a batch payment), one row each, unnested
    from what base_procountor__bank_statements parsed. Child rows carry parent_event_id. The parent
    carries the whole amount on the statement; the children split it (DECISIONLOG: "Bank statement
    child events"), so never sum parents and children together: use is_child_event. Grandchildren are
    not unnested (Procountor and the sandbox nest one level). -#}

with

statements as (

    select
        company_id,
        bank_statement_id,
        account_number as bank_account_number,
        currency,
        _source_changed_at,
        events
    from {{ ref('base_procountor__bank_statements') }}

),

top_level as (

    select
        company_id,
        bank_statement_id,
        bank_account_number,
        currency,
        _source_changed_at,
        {{ json_array_index('ev') }} as event_index,
        ev_value.id as bank_statement_event_id,
        ev_value.paydate as pay_date,
        ev_value.valuedate as value_date,
        ev_value.sum as amount,
        ev_value.accountnumber as counterparty_account_number,
        ev_value.name as counterparty_name,
        ev_value.explanationcode as explanation_code,
        ev_value.archivecode as archive_code,
        ev_value.message as message,
        ev_value.reference as reference,
        ev_value.allocated as allocated,
        ev_value.invoiceid as invoice_id,
        ev_value.event as child_events
    from {{ unnest_array('statements', 'events', 'ev') }}

),

children as (

    select
        company_id,
        bank_statement_id,
        bank_account_number,
        currency,
        _source_changed_at,
        event_index,
        bank_statement_event_id as parent_event_id,
        {{ json_array_index('child') }} as child_index,
        child_value.id as bank_statement_event_id,
        child_value.paydate as pay_date,
        child_value.valuedate as value_date,
        child_value.sum as amount,
        child_value.accountnumber as counterparty_account_number,
        child_value.name as counterparty_name,
        child_value.explanationcode as explanation_code,
        child_value.archivecode as archive_code,
        child_value.message as message,
        child_value.reference as reference,
        child_value.allocated as allocated,
        child_value.invoiceid as invoice_id
    from {{ unnest_array('top_level', 'child_events', 'child') }}

),

child_counts as (

    select
        company_id,
        bank_statement_id,
        event_index,
        count(*) as child_event_count
    from children
    group by company_id, bank_statement_id, event_index

),

all_events as (

    select
        top_level.company_id,
        top_level.bank_statement_id,
        top_level.bank_account_number,
        top_level.currency,
        top_level._source_changed_at,
        top_level.event_index,
        cast(null as {{ type_int() }}) as child_index,
        cast(null as {{ type_int() }}) as parent_event_id,
        coalesce(child_counts.child_event_count, 0) as child_event_count,
        top_level.bank_statement_event_id,
        top_level.pay_date,
        top_level.value_date,
        top_level.amount,
        top_level.counterparty_account_number,
        top_level.counterparty_name,
        top_level.explanation_code,
        top_level.archive_code,
        top_level.message,
        top_level.reference,
        top_level.allocated,
        top_level.invoice_id
    from top_level
    left join child_counts
        on
            top_level.company_id = child_counts.company_id
            and top_level.bank_statement_id = child_counts.bank_statement_id
            and top_level.event_index = child_counts.event_index

    union all

    select
        company_id,
        bank_statement_id,
        bank_account_number,
        currency,
        _source_changed_at,
        event_index,
        child_index,
        parent_event_id,
        0 as child_event_count,
        bank_statement_event_id,
        pay_date,
        value_date,
        amount,
        counterparty_account_number,
        counterparty_name,
        explanation_code,
        archive_code,
        message,
        reference,
        allocated,
        invoice_id
    from children

),

final as (

    select
        company_id,
        bank_statement_event_id,
        bank_statement_id,
        parent_event_id,
        parent_event_id is not null as is_child_event,
        child_event_count,
        event_index + 1 as event_position,
        child_index + 1 as child_position,
        bank_account_number,
        currency,
        pay_date,
        value_date,
        amount,
        counterparty_account_number,
        counterparty_name,
        explanation_code,
        archive_code,
        message,
        nullif(reference, '') as reference,
        coalesce(allocated, false) as is_allocated,
        invoice_id,
        _source_changed_at
    from all_events

)

select * from final
