-- Every valid receipt balances: its lines plus their implied VAT sum to 0.00 (docs/architecture.md).
select
    company_id,
    receipt_id,
    sum(amount_debit_positive) as imbalance
from {{ ref('fct_general_ledger') }}
group by 1, 2
having abs(sum(amount_debit_positive)) > {{ var('procountor_tolerance') }}
