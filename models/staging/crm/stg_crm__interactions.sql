-- grain: one row per CRM interaction (interaction_id), latest load

with

source as (

    select * from raw.crm.interactions

),

renamed as (

    select
        trim(interaction_id) as interaction_id,
        trim(customer_id) as customer_id,
        nullif(trim(channel_id), '') as channel_id,
        lower(trim(interaction_type)) as interaction_type,
        lower(trim(outcome)) as outcome,
        cast(occurred_at as timestamp) as occurred_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by interaction_id)

)

select * from final
