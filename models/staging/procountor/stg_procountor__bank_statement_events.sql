{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows('bank_statements', 'bank_statement_id') }}"
    )
}}

{#- Bank statement events: the statement's top-level events (bank_statements.events) and their child
    events (events[].event: e.g. the parts of a salary run or a batch payment), one row each.
    Child rows carry parent_event_id. The parent carries the whole amount on the statement; the children
    split it (DECISIONLOG: "Bank statement child events"), so never sum parents and children together:
    use is_child_event. Grandchildren are not unnested (Procountor and the sandbox nest one level). -#}

with

source as (

    {{ changed_landing_rows('bank_statements', 'bank_statement_id') }}

),

statements as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as bank_statement_id,
        {{ json_str('_data', '$.accountNumber') }} as bank_account_number,
        {{ json_str('_data', '$.currency') }} as currency,
        _source_changed_at,
        _data
    from source

),

top_level as (

    select
        statements.company_id,
        statements.bank_statement_id,
        statements.bank_account_number,
        statements.currency,
        statements._source_changed_at,
        {{ json_array_index('ev') }} as event_index,
        {{ json_array_value('ev') }} as event_json
    from {{ unnest_json_array('statements', '_data', '$.events', 'ev') }}

),

top_level_ids as (

    select
        company_id,
        bank_statement_id,
        bank_account_number,
        currency,
        _source_changed_at,
        event_index,
        {{ json_int('event_json', '$.id') }} as event_id,
        event_json
    from top_level

),

children as (

    select
        top_level_ids.company_id,
        top_level_ids.bank_statement_id,
        top_level_ids.bank_account_number,
        top_level_ids.currency,
        top_level_ids._source_changed_at,
        top_level_ids.event_index,
        top_level_ids.event_id as parent_event_id,
        {{ json_array_index('child') }} as child_index,
        {{ json_array_value('child') }} as event_json
    from {{ unnest_json_array('top_level_ids', 'event_json', '$.event', 'child') }}

),

child_counts as (

    select
        company_id,
        bank_statement_id,
        event_index,
        count(*) as child_event_count
    from children
    group by 1, 2, 3

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
        top_level.event_json
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
        event_json
    from children

),

final as (

    select
        company_id,
        {{ json_int('event_json', '$.id') }} as bank_statement_event_id,
        bank_statement_id,
        parent_event_id,
        parent_event_id is not null as is_child_event,
        child_event_count,
        event_index + 1 as event_position,
        child_index + 1 as child_position,
        bank_account_number,
        currency,
        {{ json_date('event_json', '$.payDate') }} as pay_date,
        {{ json_date('event_json', '$.valueDate') }} as value_date,
        {{ json_money('event_json', '$.sum') }} as amount,
        {{ json_str('event_json', '$.accountNumber') }} as counterparty_account_number,
        {{ json_str('event_json', '$.name') }} as counterparty_name,
        {{ json_int('event_json', '$.explanationCode') }} as explanation_code,
        {{ json_str('event_json', '$.archiveCode') }} as archive_code,
        {{ json_str('event_json', '$.message') }} as message,
        nullif({{ json_str('event_json', '$.reference') }}, '') as reference,
        coalesce({{ json_bool('event_json', '$.allocated') }}, false) as is_allocated,
        {{ json_int('event_json', '$.invoiceId') }} as invoice_id,
        _source_changed_at
    from all_events

)

select * from final
