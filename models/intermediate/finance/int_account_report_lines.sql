{#- Every account a company has (chart of accounts or any ledger activity) mapped to its statutory
    report line from the seed. A company-specific range (company_id set) overrides the default
    (company_id empty) for the accounts it covers. -#}

with

coa_accounts as (

    select
        company_id,
        account_code
    from {{ ref('stg_procountor__accounts') }}

),

ledger_accounts as (

    select distinct
        company_id,
        account_code
    from {{ ref('fct_general_ledger') }}

),

accounts as (

    select
        company_id,
        account_code
    from coa_accounts
    union distinct
    select
        company_id,
        account_code
    from ledger_accounts

),

ranges as (

    select * from {{ ref('procountor_account_report_lines') }}

),

lines as (

    select * from {{ ref('procountor_statement_lines') }}

),

matched as (

    select
        accounts.company_id,
        accounts.account_code,
        ranges.report_type,
        ranges.line_order,
        ranges.company_id is not null as is_company_override,
        -- company-specific mappings win over the defaults
        rank() over (
            partition by accounts.company_id, accounts.account_code
            order by case when ranges.company_id is not null then 0 else 1 end
        ) as mapping_rank
    from accounts
    inner join ranges
        on
            {{ safe_to_int('accounts.account_code') }} between ranges.account_from and ranges.account_to
            and (ranges.company_id is null or ranges.company_id = accounts.company_id)

),

final as (

    select
        matched.company_id,
        matched.account_code,
        matched.report_type,
        matched.line_order,
        lines.line_name,
        lines.line_name_en,
        lines.line_kind,
        lines.account_class,
        lines.normal_sign,
        matched.is_company_override
    from matched
    inner join lines
        on
            matched.report_type = lines.report_type
            and matched.line_order = lines.line_order
    where matched.mapping_rank = 1

)

select * from final
