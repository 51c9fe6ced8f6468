{#- Open items of `categories` invoices as of every month-end: open = total - payment events dated
    on or before the as-of date; buckets by days past the due date. Used by rpt_ar_aging and
    rpt_ap_aging. Month-ends run through the month of the data's as-of date (aging_month_ends). -#}
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

    {{ procountor.aging_month_ends() }}

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
        {{ procountor.days_between('invoice_months.due_date', 'invoice_months.as_of_date') }} as days_past_due
    from invoice_months
    left join paid_as_of
        on
            invoice_months.company_id = paid_as_of.company_id
            and invoice_months.invoice_id = paid_as_of.invoice_id
            and invoice_months.as_of_date = paid_as_of.as_of_date

),

final as (

    select
        {{ procountor.key(['company_id', 'invoice_id', 'as_of_date']) }} as aging_row_id,
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


{#- The month-ends open items are aged at: every fiscal month of a company up to and including the month
    of its data's as-of date (the newest `_extracted_at` of the invoices, payment events and ledger
    receipts it landed, int_landed_streams), never a future month-end. Only companies whose
    invoices and payment events landed: without payment events every invoice would look unpaid, and
    without invoices there is nothing to age or to compare with the control accounts (DECISIONLOG:
    "Missing streams", "Aging"). -#}
{% macro aging_month_ends() -%}
    select
        fiscal_periods.company_id,
        fiscal_periods.period_end_date as as_of_date
    from {{ ref('dim_fiscal_periods') }} as fiscal_periods
    inner join (
        select
            company_id,
            max(cast(last_extracted_at as date)) as data_as_of_date
        from {{ ref('int_landed_streams') }} as landed_streams
        group by 1
        having
            sum(case when stream = 'payment_events' then 1 else 0 end) > 0
            and sum(case when stream = 'invoices' then 1 else 0 end) > 0
    ) as data_as_of
        on
            fiscal_periods.company_id = data_as_of.company_id
            and fiscal_periods.period_start_date <= data_as_of.data_as_of_date
{%- endmacro %}
