-- Every row of Procountor's own income statements and balance sheets that maps to our statements
-- (by account number, by procountor_report_row_mapping, or as the net result / total assets / total
-- equity and liabilities identified by position) equals ours to the cent. Correctness against the
-- source system as far as the mapping reaches; a mapping the user wrote is checked, not trusted.
select
    company_id,
    report_type,
    period_end_date,
    row_name,
    match_kind,
    our_line_name,
    procountor_amount,
    our_amount
from {{ ref('rpt_statement_reconciliation') }}
where is_compared and not coalesce(is_reconciled, false)
