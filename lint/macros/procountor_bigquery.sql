{#- Lint-only stubs: the project's macros rendered as their BigQuery variants (generated from macros/). -#}

{% macro aging_report(categories) -%}

with

invoices as (

    select * from {{ ref('fct_invoices') }}
    where
        is_valid
        and invoice_category in ({% for c in categories %}'{{ c }}'{% if not loop.last %}, {% endif %}{% endfor %})

),

payment_events as (

    select * from {{ ref('stg_procountor__payment_events') }}
    where coalesce(payment_event_status, '') not in ('DELETED', 'INVALIDATED', 'PAYMENT_TRANSACTION_REMOVED')

),

month_ends as (

    select company_id, period_end_date as as_of_date
    from {{ ref('dim_fiscal_periods') }}

),

invoice_months as (

    select
        invoices.company_id,
        invoices.invoice_id,
        invoices.invoice_key,
        invoices.invoice_number,
        invoices.invoice_type,
        invoices.partner_id,
        invoices.counterparty_name,
        invoices.invoice_date,
        invoices.due_date,
        invoices.currency,
        invoices.total_amount,
        invoices.is_credit_note,
        month_ends.as_of_date
    from invoices
    inner join month_ends
        on
            invoices.company_id = month_ends.company_id
            and invoices.invoice_date <= month_ends.as_of_date
            -- an invoice paid off before a month-end drops out; the 'paid off' date bounds the join
            and (
                invoices.open_amount != 0
                or month_ends.as_of_date < coalesce(invoices.last_payment_date, invoices.invoice_date)
            )

),

paid_as_of as (

    select
        invoice_months.company_id,
        invoice_months.invoice_id,
        invoice_months.as_of_date,
        sum(payment_events.amount) as paid_amount
    from invoice_months
    inner join payment_events
        on
            invoice_months.company_id = payment_events.company_id
            and invoice_months.invoice_id = payment_events.invoice_id
            and payment_events.payment_date <= invoice_months.as_of_date
    group by 1, 2, 3

),

open_items as (

    select
        invoice_months.*,
        coalesce(paid_as_of.paid_amount, 0) as paid_amount_as_of,
        invoice_months.total_amount - coalesce(paid_as_of.paid_amount, 0) as open_amount,
        {{ days_between('invoice_months.due_date', 'invoice_months.as_of_date') }} as days_past_due
    from invoice_months
    left join paid_as_of
        on
            invoice_months.company_id = paid_as_of.company_id
            and invoice_months.invoice_id = paid_as_of.invoice_id
            and invoice_months.as_of_date = paid_as_of.as_of_date

),

final as (

    select
        {{ key(['company_id', 'invoice_id', 'as_of_date']) }} as aging_row_id,
        company_id,
        as_of_date,
        invoice_key,
        invoice_id,
        invoice_number,
        invoice_type,
        is_credit_note,
        partner_id,
        counterparty_name,
        invoice_date,
        due_date,
        currency,
        total_amount,
        paid_amount_as_of,
        open_amount,
        days_past_due,
        {%- set b = var('procountor_aging_buckets') %}
        case
            when days_past_due is null or days_past_due <= 0 then 'not_due'
            {%- for upper in b %}
            when days_past_due <= {{ upper }} then '{{ (b[loop.index0 - 1] + 1) if loop.index0 > 0 else 1 }}-{{ upper }}'
            {%- endfor %}
            else 'over_{{ b[-1] }}'
        end as aging_bucket,
        case
            when days_past_due is null or days_past_due <= 0 then 0
            {%- for upper in b %}
            when days_past_due <= {{ upper }} then {{ loop.index }}
            {%- endfor %}
            else {{ b | length + 1 }}
        end as aging_bucket_order
    from open_items
    where open_amount != 0

)

select * from final

{%- endmacro %}

{% macro month_start(date_expr) -%}
    date_trunc({{ date_expr }}, month)
{%- endmacro %}

{% macro add_months(date_expr, months) -%}
    date_add({{ date_expr }}, interval {{ months }} month)
{%- endmacro %}

{% macro add_days(date_expr, days) -%}
    date_add({{ date_expr }}, interval {{ days }} day)
{%- endmacro %}

{% macro month_end(date_expr) -%}
    last_day({{ date_expr }}, month)
{%- endmacro %}

{% macro days_between(start_expr, end_expr) -%}
    date_diff({{ end_expr }}, {{ start_expr }}, day)
{%- endmacro %}

{% macro months_between(start_expr, end_expr) -%}
    date_diff({{ end_expr }}, {{ start_expr }}, month)
{%- endmacro %}

{% macro extract_year(date_expr) -%}extract(year from {{ date_expr }}){%- endmacro %}

{% macro extract_month(date_expr) -%}extract(month from {{ date_expr }}){%- endmacro %}

{% macro iso_weekday(date_expr) -%}
    mod(extract(dayofweek from {{ date_expr }}) + 5, 7) + 1
{%- endmacro %}

{% macro integers(n) -%}
    (select n from unnest(generate_array(0, {{ n - 1 }})) as n)
{%- endmacro %}

{% macro date_spine_join(start_expr, end_expr, column) -%}
    cross join unnest(generate_date_array({{ start_expr }}, {{ end_expr }}, interval 1 day)) as {{ column }}
{%- endmacro %}

{% macro landing_changed_at(relation_alias='') -%}
    {%- set p = relation_alias ~ '.' if relation_alias else '' -%}
    case
        when {{ p }}_deleted_at is not null and {{ p }}_deleted_at > {{ p }}_loaded_at then {{ p }}_deleted_at
        else {{ p }}_loaded_at
    end
{%- endmacro %}

{% macro high_water_mark(column='_source_changed_at') -%}
    (select coalesce(max({{ column }}), cast('1900-01-01 00:00:00' as timestamp)) from {{ this }})
{%- endmacro %}

{% macro changed_source_keys(stream, id_path=none) -%}
    select
        {{ key(['_company_id', json_str('_data', id_path) if id_path else '_record_id']) }} as source_key
    from {{ source('procountor', stream) }}
    where {{ landing_changed_at() }} > {{ high_water_mark() }}
{%- endmacro %}

{% macro delete_changed_rows(key_column, changed_keys_sql) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key_column }} in ({{ changed_keys_sql }})
    {%- endif -%}
{%- endmacro %}

{% macro changed_invoice_keys() -%}
    {{ changed_source_keys('invoices') }}
    union distinct
    {{ changed_source_keys('payment_events', '$.invoiceId') }}
    union distinct
    {{ changed_source_keys('ledger_receipts', '$.invoiceId') }}
{%- endmacro %}

{% macro changed_landing_rows(stream, record_key) -%}
    select
        *,
        {{ landing_changed_at() }} as _source_changed_at
    from {{ source('procountor', stream) }}
    where
        not coalesce(_is_deleted, false)
        {%- if is_incremental() %}
            and {{ landing_changed_at() }} > {{ high_water_mark() }}
            and {{ key(['_company_id', '_record_id']) }} not in (
                select {{ record_key }} from {{ this }}
            )
        {%- endif %}
{%- endmacro %}

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

{% macro changed_dimension_companies() -%}
    select coalesce(current_dimensions.company_id, built_dimensions.company_id) as company_id
    from ({{ allocation_dimensions() }}) as current_dimensions
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

{% macro changed_allocation_receipt_keys() -%}
    {{ changed_source_keys('ledger_receipts') }}
    union distinct
    select receipt_key as source_key
    from {{ this }}
    where company_id in ({{ changed_dimension_companies() }})
{%- endmacro %}

{% macro json_str(json_expr, path) -%}
    json_value({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro json_obj(json_expr, path) -%}
    json_query({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro json_money(json_expr, path) -%}
    cast({{ json_str(json_expr, path) }} as {{ type_money() }})
{%- endmacro %}

{% macro json_decimal(json_expr, path) -%}
    cast({{ json_str(json_expr, path) }} as {{ type_decimal() }})
{%- endmacro %}

{% macro json_int(json_expr, path) -%}
    cast({{ json_str(json_expr, path) }} as {{ type_int() }})
{%- endmacro %}

{% macro json_bool(json_expr, path) -%}
    cast({{ json_str(json_expr, path) }} as {{ type_bool() }})
{%- endmacro %}

{% macro json_date(json_expr, path) -%}
    cast(nullif({{ json_str(json_expr, path) }}, '') as date)
{%- endmacro %}

{% macro json_timestamp(json_expr, path) -%}
    cast(nullif({{ json_str(json_expr, path) }}, '') as datetime)
{%- endmacro %}

{% macro unnest_json_array(json_expr, path, alias) -%}
    cross join unnest(json_query_array({{ json_expr }}, '{{ path }}')) as {{ alias }} with offset as {{ alias }}_index
{%- endmacro %}

{% macro json_array_value(alias) -%}
    {{ alias }}
{%- endmacro %}

{% macro json_array_index(alias) -%}
    {{ alias }}_index
{%- endmacro %}

{% macro dbt_group_by(n) -%}
    group by {% for i in range(1, n + 1) %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endmacro %}

{% macro type_money() -%}numeric{%- endmacro %}

{% macro type_decimal() -%}numeric{%- endmacro %}

{% macro type_int() -%}int64{%- endmacro %}

{% macro type_text() -%}string{%- endmacro %}

{% macro type_bool() -%}bool{%- endmacro %}

{% macro round_money(expr) -%}
    cast(round({{ expr }}, 2) as {{ type_money() }})
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
    safe_divide({{ numerator }}, {{ denominator }})
{%- endmacro %}

{% macro key(parts) -%}
    concat({% for p in parts %}coalesce(cast({{ p }} as {{ type_text() }}), ''){% if not loop.last %}, '-', {% endif %}{% endfor %})
{%- endmacro %}

{% macro safe_to_int(expr) -%}
    safe_cast({{ expr }} as int64)
{%- endmacro %}

{% macro implied_vat(net_expr, percent_expr) -%}
    round(cast({{ net_expr }} as numeric) * cast({{ percent_expr }} as numeric) / 100, 2, 'ROUND_HALF_AWAY_FROM_ZERO')
{%- endmacro %}

{% macro source(source_name, table_name) -%}`lint-project`.raw_procountor.{{ table_name }}{%- endmacro %}
{% macro ref(model_name) -%}`lint-project`.lint.{{ model_name }}{%- endmacro %}
{% macro is_incremental() -%}{{ return(true) }}{%- endmacro %}
{% macro var(name, default=none) -%}{{ return({
    'procountor_invalid_receipt_statuses': ['INVALIDATED', 'DELETED', 'UNSAVED', 'EMPTY'],
    'procountor_ar_control_accounts': ['1701'], 'procountor_ap_control_accounts': ['2871'],
    'procountor_sales_vat_account': '2939', 'procountor_purchase_vat_account': '1763',
    'procountor_tolerance': 0.005, 'procountor_aging_buckets': [30, 60, 90],
    'procountor_raw_schema': 'raw_procountor'}.get(name, default)) }}{%- endmacro %}
{% macro config() -%}{%- set _unused = kwargs -%}{%- endmacro %}
