{#- Incremental staging models: the JSON-unnesting models whose rows each come from one landing record.

    Design (DECISIONLOG: "Incremental models equal a full refresh"): every row carries the company, the
    id of its landing record and `_source_changed_at`, the `_loaded_at` of the record version it was
    built from. On an incremental run
      1. the cut-off is computed first, as a constant: the earliest `_loaded_at` of a live landing row
         whose version the model has not built (new, changed, revived, or committed late with an old
         stamp);
      2. a pre-hook deletes every row whose landing version is no longer live: changed, tombstoned or
         hard-deleted (replace mode, `forget`, `drop-connection`);
      3. the live landing rows loaded at or after the cut-off whose record has no rows left in the model
         are inserted (a plain insert: their old rows were just deleted).
    Nothing compares clocks: a row is rebuilt because its version differs from the built one, so a late
    commit or a deletion is seen on the next run whatever its time stamp. Models that join records to
    other records (facts, dimensions, reports) are tables, rebuilt from these on every run. -#}

{#- The moment a landing row last changed: its load, or its tombstone if that came later. -#}
{% macro landing_changed_at(relation_alias='') -%}
    {%- set p = relation_alias ~ '.' if relation_alias else '' -%}
    case
        when {{ p }}_deleted_at is not null and {{ p }}_deleted_at > {{ p }}_loaded_at then {{ p }}_deleted_at
        else {{ p }}_loaded_at
    end
{%- endmacro %}

{#- Plain inserts: DuckDB appends; BigQuery has no append strategy, and its merge without a unique key
    is an insert (`on false`). -#}
{% macro insert_strategy() -%}
    {{- 'merge' if target.type == 'bigquery' else 'append' -}}
{%- endmacro %}

{#- True when the model row `built` holds the live version of landing row `landing`. -#}
{% macro built_from_live_version(id_column) -%}
    built.company_id = landing._company_id
    and cast(built.{{ id_column }} as {{ procountor.type_text() }}) = landing._record_id
    and built._source_changed_at = landing._loaded_at
{%- endmacro %}

{#- The cut-off of an incremental run as a timestamp literal (runs a query when the model compiles):
    the earliest `_loaded_at` of a live row of `landing_rows` whose version this model has not built.
    Filtering the landing table's `_loaded_at` with a constant lets BigQuery prune its partitions. -#}
{% macro incremental_cutoff(landing_rows, id_column) -%}
    {%- set value = none -%}
    {%- if execute -%}
        {%- set sql -%}
            select min(landing._loaded_at) as cutoff
            from {{ landing_rows }} as landing
            where
                not coalesce(landing._is_deleted, false)
                and not exists (
                    select 1 from {{ this }} as built
                    where {{ procountor.built_from_live_version(id_column) }}
                )
        {%- endset -%}
        {%- set value = run_query(sql).columns[0].values()[0] -%}
    {%- endif -%}
    {%- if value is none -%}
        {#- every live version is built: nothing to insert -#}
        cast('9999-12-31 00:00:00' as timestamp)
    {%- else -%}
        {%- if value.tzinfo is not none -%}
            {%- set value = value.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
        {%- endif -%}
        cast('{{ value.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook: delete the rows whose landing version is no longer live. Renders nothing on a full build. -#}
{% macro delete_stale_rows(landing_rows, id_column) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as built
        where not exists (
            select 1 from {{ landing_rows }} as landing
            where
                not coalesce(landing._is_deleted, false)
                and {{ procountor.built_from_live_version(id_column) }}
        )
    {%- endif -%}
{%- endmacro %}

{#- The landing rows an incremental staging model reads, with `_source_changed_at`: every live row on a
    full build; on an incremental run the live rows from the cut-off on whose record has no rows in the
    model (after the pre-hook removed every stale row). `landing_rows` is the landing table as the model
    reads it: `landing(stream)`, or the stream's landing view (`ref('base_procountor__<stream>_landing')`)
    when several models read the table (a plain projection, so the cut-off still prunes); `id_column` is
    the model's column holding the landing record id (e.g. receipt_id). -#}
{% macro changed_landing_rows(landing_rows, id_column) -%}
    select
        landing.*,
        landing._loaded_at as _source_changed_at
    from {{ landing_rows }} as landing
    where
        not coalesce(landing._is_deleted, false)
        {%- if is_incremental() %}
            and landing._loaded_at >= {{ procountor.incremental_cutoff(landing_rows, id_column) }}
            and not exists (
                select 1 from {{ this }} as built
                where
                    built.company_id = landing._company_id
                    and cast(built.{{ id_column }} as {{ procountor.type_text() }}) = landing._record_id
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

{#- Incremental facts (DECISIONLOG: "Incremental models equal a full refresh"): each row is built from one
    record version of an incremental staging model (its `_source_changed_at`) plus small inputs shared by
    all rows (fiscal periods, seeds, vars, a company's dimensions). The shared inputs are fingerprinted
    into `_dependencies_fingerprint`: when it changes every row is rebuilt; otherwise the pre-hook
    deletes the rows whose record version is no longer the staging model's, and the model inserts the
    records that have no rows. -#}

{#- A row of the relation alias `alias` as JSON text. -#}
{% macro row_text(alias) -%}
    {{ return(adapter.dispatch('row_text', 'procountor')(alias)) }}
{%- endmacro %}

{% macro default__row_text(alias) -%}{{ procountor.not_supported('row_text') }}{%- endmacro %}

{% macro duckdb__row_text(alias) -%}
    cast(to_json({{ alias }}) as {{ procountor.type_text() }})
{%- endmacro %}

{% macro bigquery__row_text(alias) -%}
    to_json_string({{ alias }})
{%- endmacro %}

{#- An expression: the fingerprint of the shared inputs, md5s of each query's rows and the given values. -#}
{% macro dependencies_fingerprint(dependency_sqls, values=[]) -%}
    concat(
        '{{ values | join("|") | replace("'", "") }}'
        {%- for sql in dependency_sqls %},
        '|',
        coalesce((
            select {{ dbt.hash(dbt.listagg('dependency_row', "'|'", 'order by dependency_row')) }}
            from (select {{ procountor.row_text('dependency') }} as dependency_row from ({{ sql }}) as dependency)
                as dependency_rows
        ), '')
        {%- endfor %}
    )
{%- endmacro %}

{#- Pre-hook of an incremental fact: delete every row when the shared inputs changed (or the table
    predates the fingerprint), else the rows whose record version is no longer `versions`' (a relation
    with company_id, `id_column` and `_source_changed_at`) or differs from a version in `also_versions`
    (the other staging models the row reads, built from the same landing record: on BigQuery a commit
    can land between their builds). Renders nothing on a full build. -#}
{% macro delete_stale_fact_rows(versions, id_column, fingerprint, also_versions=[]) -%}
    {%- if is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- if '_dependencies_fingerprint' not in columns -%}
            delete from {{ this }} where true
        {%- else -%}
            delete from {{ this }} as built
            where
                built._dependencies_fingerprint != {{ fingerprint }}
                or not exists (
                    select 1 from {{ versions }} as version
                    where
                        version.company_id = built.company_id
                        and version.{{ id_column }} = built.{{ id_column }}
                        and version._source_changed_at = built._source_changed_at
                )
                {%- for other in also_versions %}
                or exists (
                    select 1 from {{ other }} as other_version
                    where
                        other_version.company_id = built.company_id
                        and other_version.{{ id_column }} = built.{{ id_column }}
                        and other_version._source_changed_at != built._source_changed_at
                )
                {%- endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Filter of an incremental fact's driving relation `alias`: only records with no rows left. -#}
{% macro records_without_rows(alias, id_column) -%}
    {%- if is_incremental() -%}
        where not exists (
            select 1 from {{ this }} as built
            where
                built.company_id = {{ alias }}.company_id
                and built.{{ id_column }} = {{ alias }}.{{ id_column }}
        )
    {%- endif -%}
{%- endmacro %}

{#- The shared inputs of fct_general_ledger: fiscal periods, the seeds of the natural sign, the VAT accounts. -#}
{% macro general_ledger_dependencies() -%}
    {{ return(procountor.dependencies_fingerprint(
        ['select * from ' ~ ref('dim_fiscal_periods'),
         'select * from ' ~ ref('procountor_account_report_lines'),
         'select * from ' ~ ref('procountor_statement_lines')],
        [var('procountor_sales_vat_account'), var('procountor_purchase_vat_account')]
    )) }}
{%- endmacro %}

{#- The shared inputs of fct_gl_dimension_allocations: each company's dimensions, the VAT accounts. -#}
{% macro allocation_dependencies() -%}
    {{ return(procountor.dependencies_fingerprint(
        [procountor.allocation_dimensions()],
        [var('procountor_sales_vat_account'), var('procountor_purchase_vat_account')]
    )) }}
{%- endmacro %}
