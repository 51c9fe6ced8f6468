{#- The invoices landing table as landed, live rows and tombstones: the one model that reads it, shared
    by the invoice parse (base_procountor__invoices) and int_landed_streams, which needs what the
    records drop (tombstones, the newest `_extracted_at`). A plain projection, so BigQuery pushes the
    incremental reader's `_loaded_at` filter through it and still prunes the landing table's partitions
    (DECISIONLOG: "One reader per landing table"). -#}

with

landing as (

    select * from {{ landing('invoices') }}

),

final as (

    select
        _company_id,
        _record_id,
        _data,
        _record_hash,
        _cursor_value,
        _extracted_at,
        _loaded_at,
        _sync_id,
        _is_deleted,
        _deleted_at
    from landing

)

select * from final
