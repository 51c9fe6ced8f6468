{#- Incremental support for facts built from landing rows that can change, vanish (tombstones) or
    be recreated under a new id (ledger receipts of edited invoices).

    Design (DECISIONLOG: "Incremental models"): every fact row carries the key of the landing
    record it came from (`<parent>_key` = '<company>-<record id>') and `_source_changed_at` (when that
    record last changed in the landing table). On an incremental run
      1. a pre-hook deletes every row whose source record changed since the high-water mark,
         including records that are now tombstoned, invalidated or moved to another month;
      2. the model re-selects the changed records that are still valid and merges them in.
    So a deleted or recreated receipt never leaves stale rows behind. -#}

{#- The moment a landing row last changed: its load, or its tombstone if that came later. -#}
{% macro landing_changed_at(relation_alias='') -%}
    {%- set p = relation_alias ~ '.' if relation_alias else '' -%}
    case
        when {{ p }}_deleted_at is not null and {{ p }}_deleted_at > {{ p }}_loaded_at then {{ p }}_deleted_at
        else {{ p }}_loaded_at
    end
{%- endmacro %}

{#- The high-water mark of an incremental model (a timestamp literal far in the past when empty). -#}
{% macro high_water_mark(column='_source_changed_at') -%}
    (select coalesce(max({{ column }}), cast('1900-01-01 00:00:00' as timestamp)) from {{ this }})
{%- endmacro %}

{#- Keys '<company>-<record id>' of landing rows of `stream` changed since the high-water mark.
    `id_path` reads a different id out of `_data` (e.g. a payment event's invoiceId). -#}
{% macro changed_source_keys(stream, id_path=none) -%}
    select
        {{ procountor.key(['_company_id', procountor.json_str('_data', id_path) if id_path else '_record_id']) }} as source_key
    from {{ source('procountor', stream) }}
    where {{ procountor.landing_changed_at() }} > {{ procountor.high_water_mark() }}
{%- endmacro %}

{#- Pre-hook: delete this model's rows whose source records changed. Renders nothing on a full build. -#}
{% macro delete_changed_rows(key_column, changed_keys_sql) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key_column }} in ({{ changed_keys_sql }})
    {%- endif -%}
{%- endmacro %}

{#- Invoices whose fact row may change: the invoice itself, its payment events or its ledger receipt. -#}
{% macro changed_invoice_keys() -%}
    {{ procountor.changed_source_keys('invoices') }}
    union distinct
    {{ procountor.changed_source_keys('payment_events', '$.invoiceId') }}
    union distinct
    {{ procountor.changed_source_keys('ledger_receipts', '$.invoiceId') }}
{%- endmacro %}
