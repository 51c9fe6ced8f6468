-- Open AR (sales) and AP (purchase) invoices as of every aged month-end against the balances of their
-- control accounts (vars procountor_ar_control_accounts / procountor_ap_control_accounts).
-- Opening balances brought over by the RECEIPT_FOR_OPENING_ACCOUNTS receipt have no invoice detail in
-- Procountor, and their collection is posted without an invoice, so the difference control - subledger
-- is the part of the opening items not yet settled: it must lie on the opening balance's side, never
-- exceed it, and never grow from one month-end to the next (DECISIONLOG: "Subledger reconciliation").
-- Without opening items the two are equal to the cent. Consistency between the GL and the invoices and
-- payment events, not agreement with Procountor's own open-items report.
with month_ends as (
    {{ aging_month_ends() }}
),

subledger as (
    select
        company_id,
        as_of_date,
        'AR' as ledger,
        sum(open_amount) as open_amount
    from {{ ref('rpt_ar_aging') }}
    group by 1, 2, 3
    union all
    select
        company_id,
        as_of_date,
        'AP' as ledger,
        -sum(open_amount) as open_amount
    from {{ ref('rpt_ap_aging') }}
    group by 1, 2, 3
),

control_accounts as (
    select
        company_id,
        account_code,
        case when is_ar_control_account then 'AR' else 'AP' end as ledger
    from {{ ref('dim_accounts') }}
    where is_ar_control_account or is_ap_control_account
),

opening as (
    select
        control_accounts.company_id,
        control_accounts.ledger,
        sum(gl.amount_debit_positive) as opening_amount
    from {{ ref('fct_general_ledger') }} as gl
    inner join control_accounts
        on gl.company_id = control_accounts.company_id and gl.account_code = control_accounts.account_code
    where gl.is_opening_entry
    group by 1, 2
),

control as (
    select
        month_ends.company_id,
        month_ends.as_of_date,
        control_accounts.ledger,
        sum(b.closing_balance) as control_balance
    from month_ends
    inner join {{ ref('fct_gl_balances_monthly') }} as b
        on month_ends.company_id = b.company_id and month_ends.as_of_date = b.period_end_date
    inner join control_accounts
        on b.company_id = control_accounts.company_id and b.account_code = control_accounts.account_code
    group by 1, 2, 3
),

compared as (
    select
        coalesce(control.company_id, subledger.company_id) as company_id,
        coalesce(control.as_of_date, subledger.as_of_date) as as_of_date,
        coalesce(control.ledger, subledger.ledger) as ledger,
        control.control_balance,
        subledger.open_amount,
        coalesce(control.control_balance, 0) - coalesce(subledger.open_amount, 0) as unsettled_opening
    from control
    full outer join subledger
        on
            control.company_id = subledger.company_id
            and control.as_of_date = subledger.as_of_date
            and control.ledger = subledger.ledger
),

with_previous as (
    select
        compared.*,
        coalesce(opening.opening_amount, 0) as opening_amount,
        coalesce(
            lag(compared.unsettled_opening) over (
                partition by compared.company_id, compared.ledger order by compared.as_of_date
            ),
            opening.opening_amount,
            0
        ) as previous_unsettled_opening
    from compared
    left join opening
        on compared.company_id = opening.company_id and compared.ledger = opening.ledger
)

select *
from with_previous
where
    -- on the other side of the opening balance (or there was none)
    sign(opening_amount) * unsettled_opening < -{{ var('procountor_tolerance') }}
    or (opening_amount = 0 and abs(unsettled_opening) > {{ var('procountor_tolerance') }})
    -- more unsettled than a month earlier (or than at the opening)
    or abs(unsettled_opening) > abs(previous_unsettled_opening) + {{ var('procountor_tolerance') }}
