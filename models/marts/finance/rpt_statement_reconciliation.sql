{#- Every row of Procountor's own monthly income statements and balance sheets (POST
    /reports/accounting, in the company's own layout) against our statements, matched by structure,
    never by our names:
    - a row whose name starts with an account number is compared with that account's figure in the
      sign of the account's statutory line (income statement: the month's movement, credit-positive;
      balance sheet: the closing balance, assets debit-positive, equity and liabilities credit-positive);
    - any other row goes through procountor_report_row_mapping (the company's rows win over the
      defaults) to one of our lines, or is ignored there;
    - the figures every layout has are identified by position and compared whatever their name: the
      income statement's last row is the net result; the balance sheet's last row is total equity and
      liabilities, and its first total row (ROW_FUNCTION) with the same value is total assets.
    Rows none of this reaches are 'unmapped': not compared, and warned about. -#}

with

report_rows as (

    select * from {{ ref('stg_procountor__accounting_report_lines') }}
    where report_type in ('INCOME_STATEMENT', 'BALANCE_SHEET')

),

mapping as (

    select * from {{ ref('procountor_report_row_mapping') }}

),

account_figures as (

    select * from {{ ref('int_account_statement_figures') }}

),

profit_and_loss as (

    select * from {{ ref('rpt_profit_and_loss') }}
    where not is_consolidated

),

balance_sheet as (

    select * from {{ ref('rpt_balance_sheet') }}
    where not is_consolidated

),

our_lines as (

    select
        company_id,
        'INCOME_STATEMENT' as report_type,
        period_start_date,
        period_end_date,
        line_order,
        line_name,
        line_kind,
        amount_month as amount
    from profit_and_loss
    union all
    select
        company_id,
        'BALANCE_SHEET' as report_type,
        cast(null as date) as period_start_date,
        balance_date as period_end_date,
        line_order,
        line_name,
        line_kind,
        amount
    from balance_sheet

),

key_lines as (

    -- our net result, total assets and total equity and liabilities: the last income-statement
    -- subtotal, and the balance sheet's first and last subtotals
    select
        report_type,
        line_order,
        case
            when report_type = 'INCOME_STATEMENT' then 'net_result'
            when line_order = min(line_order) over (partition by report_type) then 'total_assets'
            else 'total_equity_and_liabilities'
        end as key_figure,
        line_order = max(line_order) over (partition by report_type)
        or (report_type = 'BALANCE_SHEET' and line_order = min(line_order) over (partition by report_type))
            as is_key
    from (
        select distinct
            report_type,
            line_order
        from our_lines
        where line_kind = 'subtotal'
    ) as subtotal_lines

),

account_lines as (

    -- the statutory line of every account, postings or not
    select distinct
        company_id,
        account_code,
        report_type,
        line_name
    from account_figures

),

positioned as (

    select
        report_rows.*,
        {{ leading_account_number('report_rows.line_name') }} as account_code,
        max(report_rows.row_number) over (partition by report_rows.company_id, report_rows.report_key)
            as last_row_number
    from report_rows

),

last_rows as (

    select
        company_id,
        report_key,
        amount as last_amount
    from positioned
    where row_number = last_row_number

),

total_assets_rows as (

    select
        positioned.company_id,
        positioned.report_key,
        min(positioned.row_number) as row_number
    from positioned
    inner join last_rows
        on
            positioned.company_id = last_rows.company_id
            and positioned.report_key = last_rows.report_key
    where
        positioned.report_type = 'BALANCE_SHEET'
        and positioned.row_type = 'ROW_FUNCTION'
        and positioned.row_number < positioned.last_row_number
        and positioned.amount = last_rows.last_amount
    group by 1, 2

),

classified as (

    select
        positioned.company_id,
        positioned.report_key,
        positioned.report_type,
        positioned.period_start_date,
        positioned.period_end_date,
        positioned.row_number,
        positioned.row_type,
        positioned.line_name as row_name,
        positioned.amount as procountor_amount,
        positioned.account_code,
        coalesce(company_mapping.maps_to, default_mapping.maps_to) as maps_to,
        case
            when positioned.report_type = 'INCOME_STATEMENT' and positioned.row_number = positioned.last_row_number
                then 'net_result'
            when positioned.report_type = 'BALANCE_SHEET' and positioned.row_number = positioned.last_row_number
                then 'total_equity_and_liabilities'
            when total_assets_rows.row_number is not null then 'total_assets'
        end as key_figure
    from positioned
    left join total_assets_rows
        on
            positioned.company_id = total_assets_rows.company_id
            and positioned.report_key = total_assets_rows.report_key
            and positioned.row_number = total_assets_rows.row_number
    left join mapping as company_mapping
        on
            positioned.company_id = company_mapping.company_id
            and positioned.report_type = company_mapping.report_type
            and positioned.line_name = company_mapping.row_name
    left join mapping as default_mapping
        on
            default_mapping.company_id is null
            and positioned.report_type = default_mapping.report_type
            and positioned.line_name = default_mapping.row_name

),

matched as (

    select
        classified.*,
        case
            when classified.account_code is not null then 'account'
            when classified.maps_to = 'ignore' then 'ignored'
            when classified.maps_to is not null and classified.maps_to <> '' then 'line'
            when classified.key_figure is not null then 'key_figure'
            else 'unmapped'
        end as match_kind
    from classified

),

ours as (

    select
        matched.company_id,
        matched.report_key,
        matched.row_number,
        case matched.match_kind
            when 'account' then account_figures.statement_amount
            when 'line' then by_line.amount
            when 'key_figure' then by_key.amount
        end as our_amount,
        case matched.match_kind
            when 'account' then account_lines.line_name
            when 'line' then by_line.line_name
            when 'key_figure' then by_key.line_name
        end as our_line_name
    from matched
    left join account_lines
        on
            matched.match_kind = 'account'
            and matched.company_id = account_lines.company_id
            and matched.account_code = account_lines.account_code
            and matched.report_type = account_lines.report_type
    left join account_figures
        on
            matched.match_kind = 'account'
            and matched.company_id = account_figures.company_id
            and matched.account_code = account_figures.account_code
            and matched.report_type = account_figures.report_type
            and matched.period_end_date = account_figures.period_end_date
            and (matched.report_type = 'BALANCE_SHEET' or matched.period_start_date = account_figures.period_start_date)
    left join our_lines as by_line
        on
            matched.match_kind = 'line'
            and matched.company_id = by_line.company_id
            and matched.report_type = by_line.report_type
            and matched.maps_to = by_line.line_name
            and matched.period_end_date = by_line.period_end_date
            and (matched.report_type = 'BALANCE_SHEET' or matched.period_start_date = by_line.period_start_date)
    left join key_lines
        on
            matched.match_kind = 'key_figure'
            and matched.report_type = key_lines.report_type
            and matched.key_figure = key_lines.key_figure
            and key_lines.is_key
    left join our_lines as by_key
        on
            key_lines.line_order = by_key.line_order
            and matched.company_id = by_key.company_id
            and matched.report_type = by_key.report_type
            and matched.period_end_date = by_key.period_end_date
            and (matched.report_type = 'BALANCE_SHEET' or matched.period_start_date = by_key.period_start_date)

),

final as (

    select
        {{ key(['matched.company_id', 'matched.report_key', 'matched.row_number']) }} as reconciliation_row_id,
        matched.company_id,
        matched.report_type,
        matched.period_start_date,
        matched.period_end_date,
        matched.row_number,
        matched.row_type,
        matched.row_name,
        matched.account_code,
        matched.key_figure,
        matched.match_kind,
        ours.our_line_name,
        matched.procountor_amount,
        -- an account we have no figure for has 0 (it had no postings); a line or key figure we
        -- cannot find stays null and fails the test
        case when matched.match_kind = 'account' then coalesce(ours.our_amount, 0) else ours.our_amount end
            as our_amount,
        matched.match_kind in ('account', 'line', 'key_figure') as is_compared,
        matched.match_kind in ('account', 'line', 'key_figure')
        and abs(
            coalesce(matched.procountor_amount, 0)
            - case when matched.match_kind = 'account' then coalesce(ours.our_amount, 0) else ours.our_amount end
        ) <= {{ var('procountor_tolerance') }} as is_reconciled
    from matched
    inner join ours
        on
            matched.company_id = ours.company_id
            and matched.report_key = ours.report_key
            and matched.row_number = ours.row_number

)

select * from final
