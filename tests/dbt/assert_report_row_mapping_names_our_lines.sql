-- Every mapping in seeds/procountor_report_row_mapping.csv names one of our statement lines (or
-- `ignore`): a typo there would otherwise silently compare nothing.
select
    mapping.company_id,
    mapping.report_type,
    mapping.row_name,
    mapping.maps_to
from {{ ref('procountor_report_row_mapping') }} as mapping
left join {{ ref('procountor_statement_lines') }} as lines
    on
        mapping.report_type = lines.report_type
        and mapping.maps_to = lines.line_name
where
    mapping.maps_to is not null
    and mapping.maps_to not in ('', 'ignore')
    and lines.line_name is null
