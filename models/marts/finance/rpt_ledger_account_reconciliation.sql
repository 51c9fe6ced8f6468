{#- Our general ledger against Procountor's own per-account report (POST /reports/ledgeraccounts),
    per company x report month x account: correctness against the source system, independent of
    any report layout. An account missing from one side counts as 0 there (Procountor leaves out
    accounts without figures). Whether the report's value is the month's movement or the closing
    balance is not documented, so it is read from the data: per company, month and account class
    (balance sheet / income statement), the basis every account agrees with; movement when both or
    neither do. Rows whose name yields no account number are not here (warned about by
    assert_ledger_account_report_rows_carry_an_account_number). -#}

with

report_rows as (

    select * from {{ ref('stg_procountor__ledger_account_report_lines') }}

),

balances as (

    select * from {{ ref('fct_gl_balances_monthly') }}

),

report_periods as (

    select distinct
        company_id,
        period_start_date,
        period_end_date
    from report_rows

),

procountor as (

    select
        company_id,
        period_start_date,
        period_end_date,
        account_code,
        sum(amount) as procountor_amount
    from report_rows
    where account_code is not null
    group by 1, 2, 3, 4

),

ours as (

    select
        balances.company_id,
        balances.period_start_date,
        balances.period_end_date,
        balances.account_code,
        balances.is_balance_sheet_account,
        balances.movement,
        balances.closing_balance
    from balances
    inner join report_periods
        on
            balances.company_id = report_periods.company_id
            and balances.period_start_date = report_periods.period_start_date
            and balances.period_end_date = report_periods.period_end_date

),

compared as (

    select
        coalesce(procountor.company_id, ours.company_id) as company_id,
        coalesce(procountor.period_start_date, ours.period_start_date) as period_start_date,
        coalesce(procountor.period_end_date, ours.period_end_date) as period_end_date,
        coalesce(procountor.account_code, ours.account_code) as account_code,
        coalesce(ours.is_balance_sheet_account, false) as is_balance_sheet_account,
        procountor.account_code is not null as is_in_procountor_report,
        coalesce(procountor.procountor_amount, 0) as procountor_amount,
        coalesce(ours.movement, 0) as our_movement,
        coalesce(ours.closing_balance, 0) as our_closing_balance
    from procountor
    full outer join ours
        on
            procountor.company_id = ours.company_id
            and procountor.period_end_date = ours.period_end_date
            and procountor.account_code = ours.account_code

),

bases as (

    select
        company_id,
        period_end_date,
        is_balance_sheet_account,
        case
            when
                min(case when abs(procountor_amount - our_movement) <= {{ var('procountor_tolerance') }} then 1 else 0 end)
                = 1
                then 'movement'
            when
                min(case when abs(procountor_amount - our_closing_balance) <= {{ var('procountor_tolerance') }} then 1 else 0 end)
                = 1
                then 'closing_balance'
            else 'movement'
        end as value_basis
    from compared
    group by 1, 2, 3

),

final as (

    select
        {{ key(['compared.company_id', 'compared.period_end_date', 'compared.account_code']) }} as reconciliation_row_id,
        compared.company_id,
        compared.period_start_date,
        compared.period_end_date,
        compared.account_code,
        compared.is_balance_sheet_account,
        compared.is_in_procountor_report,
        compared.procountor_amount,
        compared.our_movement,
        compared.our_closing_balance,
        bases.value_basis,
        case when bases.value_basis = 'movement' then compared.our_movement else compared.our_closing_balance end
            as our_amount,
        compared.procountor_amount
        - case when bases.value_basis = 'movement' then compared.our_movement else compared.our_closing_balance end
            as difference,
        abs(
            compared.procountor_amount
            - case when bases.value_basis = 'movement' then compared.our_movement else compared.our_closing_balance end
        ) <= {{ var('procountor_tolerance') }} as is_reconciled
    from compared
    inner join bases
        on
            compared.company_id = bases.company_id
            and compared.period_end_date = bases.period_end_date
            and compared.is_balance_sheet_account = bases.is_balance_sheet_account

)

select * from final
