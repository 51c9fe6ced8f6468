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
    from {{ procountor.landing(stream) }}
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

{#- The landing rows an incremental staging model reads, with `_source_changed_at`: every live row on a
    full build; on an incremental run the live rows changed since the model's high-water mark whose
    record has no rows in the model. The model's pre-hook (delete_changed_rows on `record_key`, the
    model's '<company>-<record id>' expression) first removes every row of a changed, tombstoned or
    recreated record, so rows of vanished records and of shrunk arrays cannot survive, and the new
    rows are inserted (merge without a unique key). The pre-hook can lower the high-water mark (it may
    delete the newest rows); the anti-join keeps records changed since the lowered mark that are still
    there from being inserted twice. -#}
{% macro changed_landing_rows(stream, record_key) -%}
    select
        *,
        {{ procountor.landing_changed_at() }} as _source_changed_at
    from {{ procountor.landing(stream) }}
    where
        not coalesce(_is_deleted, false)
        {%- if is_incremental() %}
            and {{ procountor.landing_changed_at() }} > {{ procountor.high_water_mark() }}
            and {{ procountor.key(['_company_id', '_record_id']) }} not in (
                select {{ record_key }} from {{ this }}
            )
        {%- endif %}
{%- endmacro %}

{#- The dimensions every ledger line of a company is split over (fct_gl_dimension_allocations): the
    company's dimensions and any dimension its allocations name. -#}
{% macro allocation_dimensions() -%}
    select
        company_id,
        dimension_id
    from {{ ref('stg_procountor__dimensions') }}
    union distinct
    select distinct
        company_id,
        dimension_id
    from {{ ref('stg_procountor__transaction_dimension_values') }}
{%- endmacro %}

{#- Companies whose set of dimensions differs from the dimensions in fct_gl_dimension_allocations:
    a dimension added or removed changes the rows of every ledger line of the company, so those
    companies are rebuilt whole. (A company whose lines give no rows for some dimension, e.g. all
    amounts 0, is rebuilt every run: correct, only slower.) -#}
{% macro changed_dimension_companies() -%}
    select coalesce(current_dimensions.company_id, built_dimensions.company_id) as company_id
    from ({{ procountor.allocation_dimensions() }}) as current_dimensions
    full outer join (
        select distinct
            company_id,
            dimension_id
        from {{ this }}
    ) as built_dimensions
        on
            current_dimensions.company_id = built_dimensions.company_id
            and current_dimensions.dimension_id = built_dimensions.dimension_id
    where current_dimensions.company_id is null or built_dimensions.company_id is null
{%- endmacro %}

{#- fct_gl_dimension_allocations rows to delete before an incremental run: receipts changed since the
    high-water mark and every receipt of a company whose dimensions changed. -#}
{% macro changed_allocation_receipt_keys() -%}
    {{ procountor.changed_source_keys('ledger_receipts') }}
    union distinct
    select receipt_key as source_key
    from {{ this }}
    where company_id in ({{ procountor.changed_dimension_companies() }})
{%- endmacro %}
