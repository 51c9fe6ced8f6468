{#- A view: the transactions base_procountor__ledger_receipts parsed, one row per receipt line. -#}

with

receipts as (

    select
        company_id,
        receipt_id,
        _source_changed_at,
        transactions
    from {{ ref('base_procountor__ledger_receipts') }}

),

final as (

    select
        company_id,
        receipt_id,
        txn_value.id as transaction_id,
        {{ json_array_index('txn') }} + 1 as line_number,
        txn_value.transactiontype as transaction_type,
        txn_value.account as account_code,
        txn_value.accountingvalue as accounting_value,
        coalesce(txn_value.vatpercent, 0) as vat_percent,
        txn_value.vattype as vat_type,
        txn_value.vatstatus as vat_status,
        txn_value.vatdeductionpercent as vat_deduction_percent,
        txn_value.description as description,
        txn_value.partnerid as partner_id,
        txn_value.startdate as accrual_start_date,
        txn_value.enddate as accrual_end_date,
        _source_changed_at
    from {{ unnest_array('receipts', 'transactions', 'txn') }}

)

select * from final
