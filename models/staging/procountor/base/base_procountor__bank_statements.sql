{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        cluster_by=(['company_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_rows(landing('bank_statements'), 'bank_statement_id') }}"
    )
}}

{#- The one parse of the bank_statements landing table: each statement's JSON read once into typed
    columns, its events and their child events (events[].event, one level: Procountor and the sandbox
    nest no deeper) kept as a nested array for stg_procountor__bank_statement_events. -#}

{%- set event = {
    'id': 'int', 'payDate': 'date', 'valueDate': 'date', 'sum': 'money', 'accountNumber': 'text',
    'name': 'text', 'explanationCode': 'int', 'archiveCode': 'text', 'message': 'text',
    'reference': 'text', 'allocated': 'bool', 'invoiceId': 'int',
} -%}
{%- set parent_event = event.copy() -%}
{%- do parent_event.update({'event': [event]}) -%}
{%- set statement = {
    'accountNumber': 'text', 'statementNumber': 'int', 'startDate': 'date', 'endDate': 'date',
    'currency': 'text', 'numberOfDeposits': 'int', 'depositSum': 'money', 'numberOfWithdrawals': 'int',
    'withdrawalSum': 'money', 'startBalance': 'money', 'endBalance': 'money', 'events': [parent_event],
} -%}

with

source as (

    {{ changed_landing_rows(landing('bank_statements'), 'bank_statement_id') }}

),

parsed as (

    select
        _company_id,
        _record_id,
        _loaded_at,
        _source_changed_at,
        {{ json_parse('_data', statement) }} as doc
    from source

),

final as (

    select
        _company_id as company_id,
        cast(_record_id as {{ type_int() }}) as bank_statement_id,
        doc.accountnumber as account_number,
        doc.statementnumber as statement_number,
        doc.startdate as start_date,
        doc.enddate as end_date,
        doc.currency as currency,
        doc.numberofdeposits as deposit_count,
        doc.depositsum as deposit_sum,
        doc.numberofwithdrawals as withdrawal_count,
        doc.withdrawalsum as withdrawal_sum,
        doc.startbalance as start_balance,
        doc.endbalance as end_balance,
        doc.events as events,
        _loaded_at as loaded_at,
        _source_changed_at
    from parsed

)

select * from final
