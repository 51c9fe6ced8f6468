{#- A view: the dimension values of the transactions base_procountor__ledger_receipts parsed, one row
    per transaction line and value. -#}

with

receipts as (

    select
        company_id,
        receipt_id,
        _source_changed_at,
        transactions
    from {{ ref('base_procountor__ledger_receipts') }}

),

transactions as (

    select
        company_id,
        receipt_id,
        _source_changed_at,
        txn_value.id as transaction_id,
        txn_value.dimensionitemvalues as dimension_item_values
    from {{ unnest_array('receipts', 'transactions', 'txn') }}

),

final as (

    select
        company_id,
        receipt_id,
        transaction_id,
        {{ json_array_index('dv') }} + 1 as value_number,
        dv_value.dimensionid as dimension_id,
        dv_value.itemid as dimension_item_id,
        dv_value.value as allocated_value,
        _source_changed_at
    from {{ unnest_array('transactions', 'dimension_item_values', 'dv') }}

)

select * from final
