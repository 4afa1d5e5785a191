-- grain: one row per service ticket (ticket_id)

with

tickets as (

    select * from staging.stg_crm__tickets

),

final as (

    select
        ticket_id,
        customer_id,
        category,
        priority,
        status,
        -- hours from opening to closing; null while the ticket is open
        date_diff('second', opened_at, closed_at) / 3600.0 as resolution_hours,
        status in ('resolved', 'closed') as is_resolved,
        cast(opened_at as date) as opened_date,
        opened_at,
        closed_at,
        updated_at

    from tickets

)

select * from final
