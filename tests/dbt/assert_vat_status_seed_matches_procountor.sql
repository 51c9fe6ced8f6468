{{ config(severity='warn') }}
-- The VAT-status seed describes each code as the company's own GET /vats/default does, and every VAT status
-- used on a ledger line is mapped by the seed. A warning: a company may use codes the seed does not know yet
-- (add them to seeds/procountor_vat_statuses.csv).
with seed as (
    select
        vat_status,
        description_fi
    from {{ ref('procountor_vat_statuses') }}
),

procountor as (
    select
        company_id,
        vat_status,
        vat_status_description
    from {{ ref('stg_procountor__vat_statuses') }}
),

used as (
    select distinct
        company_id,
        vat_status
    from {{ ref('rpt_vat_summary') }}
    where vat_status is not null
)

select
    procountor.company_id,
    procountor.vat_status,
    'description differs' as problem
from procountor
inner join seed
    on procountor.vat_status = seed.vat_status
where procountor.vat_status_description != seed.description_fi

union all

select
    used.company_id,
    used.vat_status,
    'not in the seed' as problem
from used
left join seed
    on used.vat_status = seed.vat_status
where seed.vat_status is null
