with

coa as (

    select * from {{ ref('stg_procountor__accounts') }}

),

account_lines as (

    select * from {{ ref('int_account_report_lines') }}

),

final as (

    select
        {{ key(['account_lines.company_id', 'account_lines.account_code']) }} as account_key,
        account_lines.company_id,
        account_lines.account_code,
        {{ safe_to_int('account_lines.account_code') }} as account_number,
        coalesce(coa.account_name_fi, concat('Tili ', account_lines.account_code)) as account_name_fi,
        coalesce(coa.account_name_en, coa.account_name_fi) as account_name_en,
        coa.account_name_sv,
        coalesce(coa.is_active, false) as is_active,
        coa.account_code is not null as is_in_chart_of_accounts,
        account_lines.report_type,
        account_lines.report_type = 'BALANCE_SHEET' as is_balance_sheet_account,
        account_lines.account_class,
        case {{ natural_sign('account_lines.account_class') }} when 1 then 'debit' when -1 then 'credit' end
            as normal_side,
        account_lines.line_order as report_line_order,
        account_lines.line_name as report_line_name,
        account_lines.line_name_en as report_line_name_en,
        account_lines.is_company_override as is_report_line_overridden,
        account_lines.account_code in (
            {%- for a in var('procountor_ar_control_accounts') %}'{{ a }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) as is_ar_control_account,
        account_lines.account_code in (
            {%- for a in var('procountor_ap_control_accounts') %}'{{ a }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        ) as is_ap_control_account,
        account_lines.account_code in (
            '{{ var("procountor_sales_vat_account") }}', '{{ var("procountor_purchase_vat_account") }}'
        ) as is_vat_account
    from account_lines
    left join coa
        on
            account_lines.company_id = coa.company_id
            and account_lines.account_code = coa.account_code

)

select * from final
