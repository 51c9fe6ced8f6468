{{
    config(
        materialized='incremental',
        incremental_strategy=insert_strategy(),
        on_schema_change='append_new_columns',
        partition_by=(
            {'field': 'accounting_month', 'data_type': 'date', 'granularity': 'month'}
            if target.type == 'bigquery' else none
        ),
        cluster_by=(['company_id', 'account_code'] if target.type == 'bigquery' else none),
        pre_hook="{{ delete_stale_fact_rows(ref('stg_procountor__ledger_receipts'), 'receipt_id', general_ledger_dependencies(), [ref('stg_procountor__ledger_transactions')]) }}"
    )
}}

{#- One row per ledger receipt transaction of a valid receipt, plus one derived row per implied VAT
    amount (docs/architecture.md, "Accounting conventions") and, for purchase lines with
    vatDeductionPercent < 100, one derived row with the non-deductible VAT on the line's own account. Amounts are debit-positive in the company
    currency; `amount_natural` is positive on the account's normal side (from the class of its
    statutory line in the seeds, macro natural_sign). -#}

with

receipts as (

    -- on an incremental run: the receipts with no rows left after the pre-hook
    select * from {{ ref('stg_procountor__ledger_receipts') }} as receipts
    {{ records_without_rows('receipts', 'receipt_id') }}

),

transactions as (

    select * from {{ ref('stg_procountor__ledger_transactions') }}

),

fiscal_periods as (

    select * from {{ ref('dim_fiscal_periods') }}

),

report_line_ranges as (

    select * from {{ ref('procountor_account_report_lines') }}

),

statement_lines as (

    select * from {{ ref('procountor_statement_lines') }}

),

valid_receipts as (

    select * from receipts
    where is_valid

),

entry_lines as (

    select
        transactions.company_id,
        transactions.receipt_id,
        transactions.transaction_id,
        transactions.line_number,
        false as is_derived_vat_line,
        transactions.transaction_type,
        transactions.account_code,
        transactions.accounting_value as amount,
        transactions.vat_percent,
        transactions.vat_type,
        transactions.vat_status,
        case
            when transactions.transaction_type = 'ENTRY' and transactions.vat_type is not null
                then {{ implied_vat('transactions.accounting_value', 'transactions.vat_percent') }}
            else cast(0 as {{ type_money() }})
        end as implied_vat_amount,
        -- partial deduction applies to purchase VAT only; null = fully deductible
        case
            when transactions.vat_type = 'PURCHASE' then transactions.vat_deduction_percent
        end as vat_deduction_percent,
        transactions.description,
        transactions.partner_id,
        transactions.accrual_start_date,
        transactions.accrual_end_date
    from transactions

),

entry_lines_split as (

    -- the deductible share of purchase VAT goes to the VAT account, the rest stays on the line's account
    select
        *,
        case
            when vat_deduction_percent is not null and vat_deduction_percent < 100
                then {{ percent_of_money('implied_vat_amount', 'vat_deduction_percent') }}
            else implied_vat_amount
        end as deductible_vat_amount
    from entry_lines

),

original_lines as (

    select
        company_id,
        receipt_id,
        transaction_id,
        line_number,
        is_derived_vat_line,
        transaction_type,
        account_code,
        amount,
        vat_percent,
        vat_type,
        vat_status,
        implied_vat_amount,
        vat_deduction_percent,
        cast(implied_vat_amount - deductible_vat_amount as {{ type_money() }}) as non_deductible_vat_amount,
        description,
        partner_id,
        accrual_start_date,
        accrual_end_date
    from entry_lines_split

),

vat_lines as (

    -- the VAT Procountor posts implicitly: round_half_up(net * vatPercent / 100, 2), its deductible share
    -- (all of it unless vatDeductionPercent < 100) on the sales / purchase VAT account
    select
        company_id,
        receipt_id,
        transaction_id,
        line_number,
        true as is_derived_vat_line,
        'IMPLIED_VAT' as transaction_type,
        case vat_type
            when 'SALES' then '{{ var("procountor_sales_vat_account") }}'
            when 'PURCHASE' then '{{ var("procountor_purchase_vat_account") }}'
        end as account_code,
        deductible_vat_amount as amount,
        vat_percent,
        vat_type,
        vat_status,
        cast(0 as {{ type_money() }}) as implied_vat_amount,
        vat_deduction_percent,
        cast(0 as {{ type_money() }}) as non_deductible_vat_amount,
        description,
        partner_id,
        accrual_start_date,
        accrual_end_date
    from entry_lines_split
    where deductible_vat_amount != 0

),

non_deductible_vat_lines as (

    -- the non-deductible share of purchase VAT is a cost on the line's own account
    select
        company_id,
        receipt_id,
        transaction_id,
        line_number,
        true as is_derived_vat_line,
        'NON_DEDUCTIBLE_VAT' as transaction_type,
        account_code,
        cast(implied_vat_amount - deductible_vat_amount as {{ type_money() }}) as amount,
        vat_percent,
        vat_type,
        vat_status,
        cast(0 as {{ type_money() }}) as implied_vat_amount,
        vat_deduction_percent,
        cast(0 as {{ type_money() }}) as non_deductible_vat_amount,
        description,
        partner_id,
        accrual_start_date,
        accrual_end_date
    from entry_lines_split
    where implied_vat_amount - deductible_vat_amount != 0

),

all_lines as (

    select * from original_lines
    union all
    select * from vat_lines
    union all
    select * from non_deductible_vat_lines

),

line_accounts as (

    select distinct
        company_id,
        account_code
    from all_lines

),

natural_signs as (

    -- the account's normal side from its statutory line's class in the seed (a company's own ranges
    -- win over the defaults), not from hard-coded account ranges
    select
        line_accounts.company_id,
        line_accounts.account_code,
        {{ natural_sign('statement_lines.account_class') }} as natural_sign,
        row_number() over (
            partition by line_accounts.company_id, line_accounts.account_code
            order by case when report_line_ranges.company_id is not null then 0 else 1 end, report_line_ranges.account_from desc
        ) as mapping_rank
    from line_accounts
    inner join report_line_ranges
        on
            {{ safe_to_int('line_accounts.account_code') }}
            between report_line_ranges.account_from and report_line_ranges.account_to
            and (report_line_ranges.company_id is null or report_line_ranges.company_id = line_accounts.company_id)
    inner join statement_lines
        on
            report_line_ranges.report_type = statement_lines.report_type
            and report_line_ranges.line_order = statement_lines.line_order

),

joined as (

    select
        {{ key(['all_lines.company_id', 'all_lines.receipt_id', 'all_lines.line_number']) }}
        || case all_lines.transaction_type
            when 'IMPLIED_VAT' then '-vat'
            when 'NON_DEDUCTIBLE_VAT' then '-vat-nondeductible'
            else ''
        end as gl_entry_id,
        {{ key(['all_lines.company_id', 'all_lines.receipt_id']) }} as receipt_key,
        all_lines.company_id,
        all_lines.receipt_id,
        all_lines.transaction_id,
        all_lines.line_number,
        all_lines.is_derived_vat_line,
        all_lines.transaction_type,
        all_lines.account_code,
        {{ safe_to_int('all_lines.account_code') }} as account_number,
        all_lines.amount as amount_debit_positive,
        cast(all_lines.amount * natural_signs.natural_sign as {{ type_money() }}) as amount_natural,
        case when all_lines.amount > 0 then all_lines.amount else cast(0 as {{ type_money() }}) end as debit_amount,
        case when all_lines.amount < 0 then -all_lines.amount else cast(0 as {{ type_money() }}) end as credit_amount,
        all_lines.vat_percent,
        all_lines.vat_type,
        coalesce(all_lines.vat_status, valid_receipts.vat_status) as vat_status,
        all_lines.implied_vat_amount,
        all_lines.vat_deduction_percent,
        all_lines.non_deductible_vat_amount,
        all_lines.description,
        coalesce(all_lines.partner_id, valid_receipts.partner_id) as partner_id,
        all_lines.accrual_start_date,
        all_lines.accrual_end_date,
        valid_receipts.receipt_date,
        {{ month_start('valid_receipts.receipt_date') }} as accounting_month,
        valid_receipts.vat_date,
        valid_receipts.receipt_number,
        valid_receipts.receipt_type,
        valid_receipts.receipt_status,
        valid_receipts.receipt_name,
        valid_receipts.invoice_id,
        valid_receipts.is_opening_receipt as is_opening_entry,
        fiscal_periods.fiscal_year_id,
        fiscal_periods.fiscal_period_number,
        fiscal_periods.fiscal_period_key,
        valid_receipts._source_changed_at
    from all_lines
    inner join valid_receipts
        on
            all_lines.company_id = valid_receipts.company_id
            and all_lines.receipt_id = valid_receipts.receipt_id
    left join fiscal_periods
        on
            valid_receipts.company_id = fiscal_periods.company_id
            and {{ month_start('valid_receipts.receipt_date') }} = fiscal_periods.period_start_date
    left join natural_signs
        on
            all_lines.company_id = natural_signs.company_id
            and all_lines.account_code = natural_signs.account_code
            and natural_signs.mapping_rank = 1

),

final as (

    select
        gl_entry_id,
        receipt_key,
        company_id,
        receipt_id,
        transaction_id,
        line_number,
        is_derived_vat_line,
        transaction_type,
        account_code,
        account_number,
        amount_debit_positive,
        amount_natural,
        debit_amount,
        credit_amount,
        vat_percent,
        vat_type,
        vat_status,
        implied_vat_amount,
        vat_deduction_percent,
        non_deductible_vat_amount,
        description,
        partner_id,
        accrual_start_date,
        accrual_end_date,
        receipt_date,
        accounting_month,
        vat_date,
        receipt_number,
        receipt_type,
        receipt_status,
        receipt_name,
        invoice_id,
        is_opening_entry,
        fiscal_year_id,
        fiscal_period_number,
        fiscal_period_key,
        _source_changed_at,
        {{ general_ledger_dependencies() }} as _dependencies_fingerprint
    from joined

)

select * from final
