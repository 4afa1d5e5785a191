-- grain: one row per marketing touch (touch_id), stitched to the customer its visitor became

with

touches as (

    select * from staging.stg_crm__touches

),

visitors as (

    -- tracking names the customer on some touches only (once they log in, say): every touch of a visitor belongs to
    -- the customer any of its touches names; a visitor naming two customers (a shared device) is the first one named
    select
        visitor_id,
        arg_min(customer_id, occurred_at) filter (where customer_id is not null) as customer_id

    from touches
    group by all

),

final as (

    select
        touches.touch_id,
        touches.visitor_id,
        visitors.customer_id,
        touches.customer_id is not null as names_customer,
        touches.channel_id,
        touches.touch_type,
        touches.occurred_at as touched_at,
        cast(touches.occurred_at as date) as touched_date,
        cast(date_trunc('month', touches.occurred_at) as date) as touched_month,
        touches.updated_at

    from touches
    inner join visitors
        on touches.visitor_id = visitors.visitor_id

)

select * from final
