-- Every account with ledger activity maps to exactly one statutory report line.
with activity as (
    select distinct
        company_id,
        account_code
    from {{ ref('fct_general_ledger') }}
),

mapped as (
    select
        company_id,
        account_code,
        count(*) as line_count
    from {{ ref('int_account_report_lines') }}
    group by 1, 2
)

select
    activity.company_id,
    activity.account_code,
    coalesce(mapped.line_count, 0) as line_count
from activity
left join mapped
    on activity.company_id = mapped.company_id and activity.account_code = mapped.account_code
where coalesce(mapped.line_count, 0) != 1
