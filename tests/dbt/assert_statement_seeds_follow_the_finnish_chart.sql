-- The seeds' default ranges put the accounts of the common Finnish chart (Tilitin / tilitoimisto charts:
-- 98xx tilinpäätössiirrot, 99xx tuloverot, 24xx tilinpäätössiirtojen kertymä, 28xx short-term loans)
-- on the statutory line, class and cash-flow section a Finnish accountant expects (DECISIONLOG
-- "Statement layout" and "Cash flow"). A specification check of the seeds, not of a company's data:
-- it fails when someone edits a default range into the wrong line.
{% set reference_accounts = [
    ('1911', 'Pankkitili', 'BALANCE_SHEET', 60, 'asset', 'cash'),
    ('2400', 'Poistoero', 'BALANCE_SHEET', 120, 'accumulated_appropriations', 'operating'),
    ('2450', 'Vapaaehtoiset varaukset', 'BALANCE_SHEET', 120, 'accumulated_appropriations', 'operating'),
    ('2620', 'Lainat rahoituslaitoksilta, pitkäaikaiset', 'BALANCE_SHEET', 140, 'liability', 'financing'),
    ('2730', 'Tililimiitti (charts numbering short-term loans 27xx)', 'BALANCE_SHEET', 150, 'liability', 'financing'),
    ('2820', 'Lainat rahoituslaitoksilta, lyhytaikaiset', 'BALANCE_SHEET', 150, 'liability', 'financing'),
    ('2850', 'Eläkelainat, lyhytaikaiset', 'BALANCE_SHEET', 150, 'liability', 'financing'),
    ('2890', 'Rahoitusvekselit', 'BALANCE_SHEET', 150, 'liability', 'financing'),
    ('2871', 'Ostovelat', 'BALANCE_SHEET', 150, 'liability', 'operating'),
    ('2939', 'Arvonlisäverovelka', 'BALANCE_SHEET', 150, 'liability', 'operating'),
    ('2960', 'Siirtovelat', 'BALANCE_SHEET', 150, 'liability', 'operating'),
    ('6800', 'Suunnitelman mukaiset poistot', 'INCOME_STATEMENT', 50, 'expense', 'operating'),
    ('9440', 'Korkokulut', 'INCOME_STATEMENT', 80, 'financial', 'operating'),
    ('9800', 'Poistoeron muutos', 'INCOME_STATEMENT', 100, 'appropriations', 'operating'),
    ('9840', 'Vapaaehtoisten varausten muutos', 'INCOME_STATEMENT', 100, 'appropriations', 'operating'),
    ('9900', 'Tuloverot', 'INCOME_STATEMENT', 110, 'tax', 'operating'),
    ('9980', 'Muut välittömät verot', 'INCOME_STATEMENT', 110, 'tax', 'operating'),
] -%}

with expected as (
    {%- for account in reference_accounts %}
        select
            '{{ account[0] }}' as account_code,
            '{{ account[1] }}' as account_name,
            '{{ account[2] }}' as report_type,
            {{ account[3] }} as line_order,
            '{{ account[4] }}' as account_class,
            '{{ account[5] }}' as cash_flow_section
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

statement_lines as (
    select * from {{ ref('procountor_statement_lines') }}
),

mapped as (
    select
        expected.account_code,
        ranges.report_type,
        ranges.line_order,
        statement_lines.account_class
    from expected
    inner join {{ ref('procountor_account_report_lines') }} as ranges
        on {{ safe_to_int('expected.account_code') }} between ranges.account_from and ranges.account_to
    inner join statement_lines
        on ranges.report_type = statement_lines.report_type and ranges.line_order = statement_lines.line_order
    where ranges.company_id is null
),

mapping_counts as (
    select
        account_code,
        count(*) as mappings
    from mapped
    group by 1
),

classified as (
    select
        expected.account_code,
        classification.cash_flow_section
    from expected
    inner join {{ ref('procountor_cash_flow_classification') }} as classification
        on {{ safe_to_int('expected.account_code') }} between classification.account_from and classification.account_to
    where classification.company_id is null
),

equity_total as (
    select
        subtotal_from_order,
        subtotal_to_order
    from statement_lines
    where report_type = 'BALANCE_SHEET' and line_name_en = 'Total equity'
)

select
    expected.account_code,
    'wrong or missing line' as problem
from expected
left join mapped
    on
        expected.account_code = mapped.account_code
        and expected.report_type = mapped.report_type
        and expected.line_order = mapped.line_order
        and expected.account_class = mapped.account_class
left join mapping_counts
    on expected.account_code = mapping_counts.account_code
where mapped.account_code is null or mapping_counts.mappings != 1
union all
select
    expected.account_code,
    'wrong or missing cash-flow section' as problem
from expected
left join classified
    on expected.account_code = classified.account_code and expected.cash_flow_section = classified.cash_flow_section
where classified.account_code is null
union all
-- tilinpäätössiirtojen kertymä is its own section after equity: never inside the equity total
select
    'line 120' as account_code,
    'accumulated appropriations inside the equity total' as problem
from equity_total
where 120 between subtotal_from_order and subtotal_to_order
union all
select
    'line 115' as account_code,
    'no equity total line' as problem
from (select count(*) as equity_totals from equity_total) as counted
where equity_totals != 1
