with

source as (

    select * from {{ landing('accounts') }}
    where not coalesce(_is_deleted, false)

),

translations as (

    select
        source._company_id,
        source._record_id,
        lower({{ json_str(json_array_value('tr'), '$.languageCode') }}) as language_code,
        {{ json_str(json_array_value('tr'), '$.translation') }} as translation
    from {{ unnest_json_array('source', '_data', '$.translations', 'tr') }}

),

translations_pivoted as (

    select
        _company_id,
        _record_id,
        max(case when language_code = 'en' then translation end) as account_name_en,
        max(case when language_code = 'sv' then translation end) as account_name_sv
    from translations
    group by 1, 2

),

renamed as (

    select
        source._company_id as company_id,
        coalesce({{ json_str('source._data', '$.ledgerAccountCode') }}, source._record_id) as account_code,
        {{ json_str('source._data', '$.name') }} as account_name_fi,
        translations_pivoted.account_name_en,
        translations_pivoted.account_name_sv,
        coalesce({{ json_bool('source._data', '$.active') }}, true) as is_active,
        source._loaded_at as loaded_at
    from source
    left join translations_pivoted
        on
            source._company_id = translations_pivoted._company_id
            and source._record_id = translations_pivoted._record_id

),

final as (

    select
        company_id,
        account_code,
        {{ safe_to_int('account_code') }} as account_number,
        account_name_fi,
        account_name_en,
        account_name_sv,
        is_active,
        loaded_at
    from renamed

)

select * from final
