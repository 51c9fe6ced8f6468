{#- What landed for the streams the aging reports depend on, one row per company and stream that has at
    least one landing row, live or tombstoned: the landing metadata the record-level models do not keep
    (they hold live rows only, and an incremental model would hold a stale `_extracted_at`, which moves
    on every read while `_loaded_at` moves only on a change). Read through each stream's landing view,
    the one model that reads its landing table. Read by aging_month_ends() (macros/aging.sql): the
    data's as-of date and which companies could read the streams (DECISIONLOG: "Missing streams",
    "Aging", "One reader per landing table"). -#}

with

invoices_landing as (

    select
        _company_id,
        _extracted_at
    from {{ ref('base_procountor__invoices_landing') }}

),

payment_events_landing as (

    select
        _company_id,
        _extracted_at
    from {{ ref('base_procountor__payment_events_landing') }}

),

ledger_receipts_landing as (

    select
        _company_id,
        _extracted_at
    from {{ ref('base_procountor__ledger_receipts_landing') }}

),

landed as (

    select
        _company_id,
        'invoices' as stream,
        _extracted_at
    from invoices_landing
    union all
    select
        _company_id,
        'payment_events' as stream,
        _extracted_at
    from payment_events_landing
    union all
    select
        _company_id,
        'ledger_receipts' as stream,
        _extracted_at
    from ledger_receipts_landing

),

final as (

    select
        _company_id as company_id,
        stream,
        count(*) as landed_row_count,
        max(_extracted_at) as last_extracted_at
    from landed
    group by _company_id, stream

)

select * from final
