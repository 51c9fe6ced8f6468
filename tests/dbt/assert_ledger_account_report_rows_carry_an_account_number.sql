{{ config(severity='warn', store_failures=true) }}
-- Warns about rows of Procountor's per-account report whose name does not start with the account
-- number (leading digits, e.g. "3000 Myynti"): they cannot be reconciled and are left out of
-- rpt_ledger_account_reconciliation. Rows without a figure are not worth a warning.
select
    company_id,
    period_end_date,
    row_number,
    row_name,
    amount
from {{ ref('stg_procountor__ledger_account_report_lines') }}
where account_code is null and coalesce(amount, 0) <> 0
