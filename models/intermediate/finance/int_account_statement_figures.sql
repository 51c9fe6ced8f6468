{#- Each ledger account's monthly figure in the sign of the statutory line it reports on: the month's
    movement for income-statement accounts (credit-positive where the line's normal_sign is -1), the
    closing balance for balance-sheet accounts (assets debit-positive, equity and liabilities
    credit-positive). The figure Procountor's own statements show on a row that names the account
    (rpt_statement_reconciliation). Accounts without postings have one row with null period and amount,
    so their statutory line is still known. -#}

with

account_lines as (

    select * from {{ ref('int_account_report_lines') }}

),

balances as (

    select * from {{ ref('fct_gl_balances_monthly') }}

),

final as (

    select
        account_lines.company_id,
        account_lines.account_code,
        account_lines.report_type,
        account_lines.line_name,
        account_lines.normal_sign,
        balances.period_start_date,
        balances.period_end_date,
        account_lines.normal_sign * case
            when account_lines.report_type = 'INCOME_STATEMENT' then balances.movement
            else balances.closing_balance
        end as statement_amount
    from account_lines
    left join balances
        on
            account_lines.company_id = balances.company_id
            and account_lines.account_code = balances.account_code

)

select * from final
