{#- Cash-flow statement, indirect method, per company x month x line (cash effect, inflow positive).
    Starts from the period result, adds back depreciation (income-statement line 50), and turns the
    movement of every non-cash balance-sheet account into a cash effect (-movement), grouped by the
    classification seed (operating / investing / financing; 'cash' accounts are the cash position).
    The depreciation add-back is reversed on the first investing line, so investing shows gross
    investments. The opening receipt (RECEIPT_FOR_OPENING_ACCOUNTS) is the starting position, not a
    flow: its lines are left out of the flows and its cash lines join the opening cash. Gains and
    losses on disposals of non-current assets (result lines on receipts that credit an investing
    account, depreciation excepted) are non-cash in operating and part of the disposal proceeds in
    investing (DECISIONLOG "Cash flow"). Net cash flow = change in cash, every month (tested). -#}

with

balances as (

    select * from {{ ref('fct_gl_balances_monthly') }}

),

account_lines as (

    select * from {{ ref('int_account_report_lines') }}

),

classification as (

    select * from {{ ref('procountor_cash_flow_classification') }}

),

fiscal_periods as (

    select * from {{ ref('dim_fiscal_periods') }}

),

ledger as (

    select * from {{ ref('fct_general_ledger') }}

),

opening_entries as (

    select
        company_id,
        account_code,
        accounting_month as period_start_date,
        sum(amount_debit_positive) as opening_movement
    from ledger
    where is_opening_entry
    group by 1, 2, 3

),

classified as (

    select
        balances.company_id,
        balances.account_code,
        balances.period_start_date,
        balances.movement - coalesce(opening_entries.opening_movement, 0) as movement,
        balances.opening_balance + coalesce(opening_entries.opening_movement, 0) as opening_balance,
        balances.closing_balance,
        balances.report_type,
        account_lines.line_order as report_line_order,
        classification.cash_flow_section,
        classification.cash_flow_line_order,
        classification.cash_flow_line,
        classification.cash_flow_line_en,
        rank() over (
            partition by balances.company_id, balances.account_code, balances.period_start_date
            order by case when classification.company_id is not null then 0 else 1 end
        ) as classification_rank
    from balances
    inner join classification
        on
            {{ safe_to_int('balances.account_code') }} between classification.account_from and classification.account_to
            and (classification.company_id is null or classification.company_id = balances.company_id)
    left join account_lines
        on
            balances.company_id = account_lines.company_id
            and balances.account_code = account_lines.account_code
    left join opening_entries
        on
            balances.company_id = opening_entries.company_id
            and balances.account_code = opening_entries.account_code
            and balances.period_start_date = opening_entries.period_start_date

),

chosen as (

    select * from classified
    where classification_rank = 1

),

depreciation as (

    select
        company_id,
        period_start_date,
        sum(movement) as depreciation_amount
    from chosen
    where report_type = 'INCOME_STATEMENT' and report_line_order = 50
    group by 1, 2

),

account_sections as (

    select distinct
        company_id,
        account_code,
        report_type,
        report_line_order,
        cash_flow_section
    from chosen

),

disposal_receipts as (

    -- receipts that take (part of) a non-current asset off the books
    select distinct
        ledger.company_id,
        ledger.receipt_id
    from ledger
    inner join account_sections
        on
            ledger.company_id = account_sections.company_id
            and ledger.account_code = account_sections.account_code
    where
        account_sections.cash_flow_section = 'investing'
        and ledger.amount_debit_positive < 0
        and not ledger.is_opening_entry

),

disposals as (

    -- per month: the book value taken off (investing accounts, debit-positive) and the gain (-) or
    -- loss (+) booked in the result on the same receipts; depreciation stays with its add-back
    select
        ledger.company_id,
        ledger.accounting_month as period_start_date,
        sum(
            case when account_sections.cash_flow_section = 'investing' then ledger.amount_debit_positive else 0 end
        ) as asset_movement,
        sum(
            case
                when account_sections.report_type = 'INCOME_STATEMENT' and account_sections.report_line_order != 50
                    then ledger.amount_debit_positive
                else 0
            end
        ) as result_movement
    from ledger
    inner join disposal_receipts
        on
            ledger.company_id = disposal_receipts.company_id
            and ledger.receipt_id = disposal_receipts.receipt_id
    inner join account_sections
        on
            ledger.company_id = account_sections.company_id
            and ledger.account_code = account_sections.account_code
    group by 1, 2
    having
        sum(
            case
                when account_sections.report_type = 'INCOME_STATEMENT' and account_sections.report_line_order != 50
                    then ledger.amount_debit_positive
                else 0
            end
        ) != 0

),

first_investing_line as (

    select min(cash_flow_line_order) as cash_flow_line_order
    from classification
    where cash_flow_section = 'investing'

),

movement_lines as (

    select
        company_id,
        period_start_date,
        cash_flow_section,
        cash_flow_line_order,
        cash_flow_line,
        cash_flow_line_en,
        sum(-movement) as amount
    from chosen
    where cash_flow_section != 'cash'
    group by 1, 2, 3, 4, 5, 6

),

addback_lines as (

    select
        company_id,
        period_start_date,
        'operating' as cash_flow_section,
        15 as cash_flow_line_order,
        'Poistot ja arvonalentumiset' as cash_flow_line,
        'Depreciation and impairment' as cash_flow_line_en,
        depreciation_amount as amount
    from depreciation

    union all

    select
        depreciation.company_id,
        depreciation.period_start_date,
        'investing' as cash_flow_section,
        first_investing_line.cash_flow_line_order,
        'Investoinnit pysyviin vastaaviin' as cash_flow_line,
        'Investments in non-current assets' as cash_flow_line_en,
        -depreciation.depreciation_amount as amount
    from depreciation
    cross join first_investing_line

),

disposal_lines as (

    -- the gain leaves operating (non-cash) and, with the book value, makes the disposal proceeds
    select
        company_id,
        period_start_date,
        'operating' as cash_flow_section,
        16 as cash_flow_line_order,
        'Pysyvien vastaavien luovutusvoitot ja -tappiot' as cash_flow_line,
        'Gains and losses on disposals of non-current assets' as cash_flow_line_en,
        result_movement as amount
    from disposals

    union all

    select
        disposals.company_id,
        disposals.period_start_date,
        'investing' as cash_flow_section,
        first_investing_line.cash_flow_line_order,
        'Investoinnit pysyviin vastaaviin' as cash_flow_line,
        'Investments in non-current assets' as cash_flow_line_en,
        disposals.asset_movement as amount
    from disposals
    cross join first_investing_line

    union all

    select
        company_id,
        period_start_date,
        'investing' as cash_flow_section,
        55 as cash_flow_line_order,
        'Pysyvien vastaavien luovutustulot' as cash_flow_line,
        'Proceeds from disposals of non-current assets' as cash_flow_line_en,
        -asset_movement - result_movement as amount
    from disposals

),

cash as (

    select
        company_id,
        period_start_date,
        sum(opening_balance) as cash_opening,
        sum(closing_balance) as cash_closing
    from chosen
    where cash_flow_section = 'cash'
    group by 1, 2

),

lines as (

    select
        company_id,
        period_start_date,
        cash_flow_section,
        cash_flow_line_order,
        cash_flow_line,
        cash_flow_line_en,
        sum(amount) as amount
    from (
        select * from movement_lines
        union all
        select * from addback_lines
        union all
        select * from disposal_lines
    ) as all_lines
    group by 1, 2, 3, 4, 5, 6

),

per_company as (

    select
        lines.company_id,
        false as is_consolidated,
        fiscal_periods.fiscal_year_id,
        fiscal_periods.fiscal_period_number,
        lines.period_start_date,
        fiscal_periods.period_end_date,
        lines.cash_flow_section,
        lines.cash_flow_line_order,
        lines.cash_flow_line,
        lines.cash_flow_line_en,
        lines.amount,
        sum(lines.amount) over (
            partition by lines.company_id, fiscal_periods.fiscal_year_id, lines.cash_flow_line_order
            order by lines.period_start_date
            rows between unbounded preceding and current row
        ) as amount_fiscal_ytd,
        coalesce(cash.cash_opening, 0) as cash_opening_balance,
        coalesce(cash.cash_closing, 0) as cash_closing_balance
    from lines
    inner join fiscal_periods
        on
            lines.company_id = fiscal_periods.company_id
            and lines.period_start_date = fiscal_periods.period_start_date
    left join cash
        on
            lines.company_id = cash.company_id
            and lines.period_start_date = cash.period_start_date

),

consolidated as (

    {{ consolidated_rows(
        'per_company',
        null_columns=[('fiscal_year_id', 'int'), ('fiscal_period_number', 'int')],
        group_columns=['period_start_date', 'period_end_date', 'cash_flow_section', 'cash_flow_line_order',
                       'cash_flow_line', 'cash_flow_line_en'],
        sum_columns=['amount', 'amount_fiscal_ytd', 'cash_opening_balance', 'cash_closing_balance'],
    ) }}

),

unioned as (

    select * from per_company
    union all
    select * from consolidated

),

final as (

    select
        {{ key([
            "coalesce(cast(company_id as " ~ type_text() ~ "), 'consolidated')",
            'period_start_date',
            'cash_flow_line_order',
        ]) }} as report_row_id,
        *
    from unioned

)

select * from final
