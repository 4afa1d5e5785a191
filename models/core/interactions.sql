-- grain: one row per CRM interaction (interaction_id)

with

interactions as (

    select * from staging.stg_crm__interactions

),

final as (

    select
        interaction_id,
        customer_id,
        channel_id,
        interaction_type,
        outcome,
        cast(occurred_at as date) as interaction_date,
        occurred_at,
        updated_at

    from interactions

)

select * from final
