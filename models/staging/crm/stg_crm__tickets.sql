-- grain: one row per service ticket (ticket_id), latest load

with

source as (

    select * from raw.crm.tickets

),

renamed as (

    select
        trim(ticket_id) as ticket_id,
        trim(customer_id) as customer_id,
        lower(trim(category)) as category,
        lower(trim(priority)) as priority,
        lower(trim(status)) as status,
        cast(opened_at as timestamp) as opened_at,
        cast(closed_at as timestamp) as closed_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by ticket_id)

)

select * from final
