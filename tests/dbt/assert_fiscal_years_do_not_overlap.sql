-- Fiscal years of a company neither overlap nor leave gaps, and last 1-18 months.
with ordered as (
    select
        company_id,
        fiscal_year_id,
        start_date,
        end_date,
        month_count,
        lead(start_date) over (partition by company_id order by start_date) as next_start_date
    from {{ ref('stg_procountor__fiscal_years') }}
)

select *
from ordered
where
    end_date < start_date
    or month_count > 18
    or (next_start_date is not null and next_start_date != {{ add_days('end_date', 1) }})
