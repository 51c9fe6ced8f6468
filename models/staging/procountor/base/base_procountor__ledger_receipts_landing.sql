{#- The ledger_receipts landing table as landed, live rows and tombstones: the one model that reads it,
    shared by the receipt parse (base_procountor__ledger_receipts) and int_landed_streams, which needs
    what the records drop (tombstones, the newest `_extracted_at`). A plain projection, so BigQuery
    pushes the incremental reader's `_loaded_at` filter through it and still prunes the landing table's
    partitions (DECISIONLOG: "One reader per landing table"). -#}

{{ landing_as_landed('ledger_receipts') }}
