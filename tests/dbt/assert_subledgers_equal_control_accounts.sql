-- Open AR (sales) and AP (purchase) invoices as of every month-end equal the balances of their
-- control accounts (vars procountor_ar_control_accounts / procountor_ap_control_accounts).
-- Opening balances brought over by the RECEIPT_FOR_OPENING_ACCOUNTS receipt have no invoice detail in
-- Procountor, so they are taken out of the control balance (DECISIONLOG: subledger reconciliation).
with subledger as (
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

opening as (
    select
company_id,
account_code,
sum(amount_debit_positive) as opening_amount
    from {{ ref('fct_general_ledger') }}
    where is_opening_entry
    group by 1, 2
),

control as (
    select
        b.company_id,
        b.period_end_date as as_of_date,
        case when a.is_ar_control_account then 'AR' else 'AP' end as ledger,
        sum(b.closing_balance - coalesce(opening.opening_amount, 0)) as control_balance
    from {{ ref('fct_gl_balances_monthly') }} as b
    inner join {{ ref('dim_accounts') }} as a
        on b.company_id = a.company_id and b.account_code = a.account_code
    left join opening
        on b.company_id = opening.company_id and b.account_code = opening.account_code
    where a.is_ar_control_account or a.is_ap_control_account
    group by 1, 2, 3
)

select
    coalesce(control.company_id, subledger.company_id) as company_id,
    coalesce(control.as_of_date, subledger.as_of_date) as as_of_date,
    coalesce(control.ledger, subledger.ledger) as ledger,
    control.control_balance,
    subledger.open_amount
from control
full outer join subledger
    on
        control.company_id = subledger.company_id
        and control.as_of_date = subledger.as_of_date
        and control.ledger = subledger.ledger
where abs(coalesce(control.control_balance, 0) - coalesce(subledger.open_amount, 0)) > {{ var('procountor_tolerance') }}
