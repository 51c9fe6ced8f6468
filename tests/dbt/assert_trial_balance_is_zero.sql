-- The trial balance (including the undistributed result of earlier fiscal years) is 0 every month.
select
    company_id,
    period_end_date,
    sum(closing_balance) as imbalance
from {{ ref('rpt_trial_balance') }}
group by 1, 2
having abs(sum(closing_balance)) > {{ var('procountor_tolerance') }}
