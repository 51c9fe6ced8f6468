{{ config(severity='warn', store_failures=true) }}
-- Warns about rows of the company's /reports/accounting layout that nothing maps to our lines: no
-- account number in the name, no row in seeds/procountor_report_row_mapping.csv, not a figure
-- identified by position. They are not compared. Fix: `procountor-loader report-mapping draft`,
-- review the drafted rows in the seed (a line_name, or `ignore`), then `dbt build` again.
-- Rows that have been 0 in every month carry nothing to compare and are not warned about.
select
    company_id,
    report_type,
    row_name,
    count(*) as months,
    'seeds/procountor_report_row_mapping.csv' as seed_to_edit
from {{ ref('rpt_statement_reconciliation') }}
where match_kind = 'unmapped'
group by 1, 2, 3
having max(abs(coalesce(procountor_amount, 0))) > 0
