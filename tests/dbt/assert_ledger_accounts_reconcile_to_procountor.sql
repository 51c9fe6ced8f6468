-- Correctness against the source system: every account's figure of every month in Procountor's own
-- per-account report (POST /reports/ledgeraccounts) equals our general ledger to the cent.
select
    company_id,
    period_end_date,
    account_code,
    value_basis,
    procountor_amount,
    our_amount,
    difference
from {{ ref('rpt_ledger_account_reconciliation') }}
where not is_reconciled
