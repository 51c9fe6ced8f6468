with

products as (

    select * from {{ ref('stg_procountor__products') }}

),

product_groups as (

    select * from {{ ref('stg_procountor__product_groups') }}

),

final as (

    select
        {{ key(['products.company_id', 'products.product_id']) }} as product_key,
        products.company_id,
        products.product_id,
        products.product_type,
        products.product_code,
        products.product_name,
        products.unit,
        products.unit_price,
        products.discount_percent,
        products.vat_percent,
        products.vat_status,
        products.currency,
        products.default_account_code,
        products.product_group_id,
        product_groups.product_group_name,
        products.is_active,
        products.version_at
    from products
    left join product_groups
        on
            products.company_id = product_groups.company_id
            and products.product_group_id = product_groups.product_group_id

)

select * from final
