{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        partition_by=(
            {'field': 'accounting_month', 'data_type': 'date', 'granularity': 'month'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['company_id', 'dimension_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_fact_rows(ref('fct_general_ledger'), 'receipt_id', allocation_dependencies(), [ref('stg_procountor__transaction_dimension_values')]) }}"
    )
}}

{#- One row per ledger line x dimension x item: how each transaction splits over the items of each
    dimension (Transaction.dimensionItemValues). Every dimension of the company gets rows for every
    line, and whatever is not allocated to an item is an explicit 'unallocated' row
    (dimension_item_id null), so per line and dimension the allocated amounts sum to the line amount.
    Implied VAT lines are not dimensioned (they are allocated entirely to 'unallocated'). -#}

with

gl as (

    -- on an incremental run: the receipts with no rows left after the pre-hook
    select * from {{ ref('fct_general_ledger') }} as gl
    {{ records_without_rows('gl', 'receipt_id') }}

),

dimension_values as (

    select * from {{ ref('stg_procountor__transaction_dimension_values') }}

),

dimensions as (

    {{ allocation_dimensions() }}

),

gl_lines as (

    select
        gl_entry_id,
        receipt_key,
        company_id,
        receipt_id,
        line_number,
        transaction_id,
        is_derived_vat_line,
        account_code,
        accounting_month,
        amount_debit_positive,
        _source_changed_at
    from gl

),

line_dimensions as (

    select
        gl_lines.*,
        dimensions.dimension_id
    from gl_lines
    inner join dimensions
        on gl_lines.company_id = dimensions.company_id

),

allocated as (

    select
        line_dimensions.gl_entry_id,
        line_dimensions.dimension_id,
        dimension_values.dimension_item_id,
        -- Procountor may send absolute values; give them the sign of the line
        sum(
            case
                when line_dimensions.amount_debit_positive < 0 and dimension_values.allocated_value > 0
                    then -dimension_values.allocated_value
                else dimension_values.allocated_value
            end
        ) as allocated_amount
    from line_dimensions
    inner join dimension_values
        on
            line_dimensions.company_id = dimension_values.company_id
            and line_dimensions.receipt_id = dimension_values.receipt_id
            and line_dimensions.transaction_id = dimension_values.transaction_id
            and line_dimensions.dimension_id = dimension_values.dimension_id
    where not line_dimensions.is_derived_vat_line
    group by 1, 2, 3

),

allocated_totals as (

    select
        gl_entry_id,
        dimension_id,
        sum(allocated_amount) as allocated_total
    from allocated
    group by 1, 2

),

unallocated as (

    select
        line_dimensions.gl_entry_id,
        line_dimensions.dimension_id,
        cast(null as {{ type_int() }}) as dimension_item_id,
        line_dimensions.amount_debit_positive - coalesce(allocated_totals.allocated_total, 0) as allocated_amount
    from line_dimensions
    left join allocated_totals
        on
            line_dimensions.gl_entry_id = allocated_totals.gl_entry_id
            and line_dimensions.dimension_id = allocated_totals.dimension_id
    where line_dimensions.amount_debit_positive - coalesce(allocated_totals.allocated_total, 0) != 0

),

unioned as (

    select
        *,
        false as is_unallocated
    from allocated
    union all
    select
        *,
        true as is_unallocated
    from unallocated

),

final as (

    select
        concat(
            unioned.gl_entry_id, '-', cast(unioned.dimension_id as {{ type_text() }}), '-',
            coalesce(cast(unioned.dimension_item_id as {{ type_text() }}), 'unallocated')
        ) as allocation_id,
        unioned.gl_entry_id,
        gl_lines.receipt_key,
        gl_lines.company_id,
        gl_lines.receipt_id,
        gl_lines.line_number,
        gl_lines.account_code,
        gl_lines.accounting_month,
        unioned.dimension_id,
        unioned.dimension_item_id,
        unioned.is_unallocated,
        unioned.allocated_amount as allocated_amount_debit_positive,
        gl_lines.amount_debit_positive as line_amount_debit_positive,
        gl_lines._source_changed_at,
        {{ allocation_dependencies() }} as _dependencies_fingerprint
    from unioned
    inner join gl_lines
        on unioned.gl_entry_id = gl_lines.gl_entry_id

)

select * from final
