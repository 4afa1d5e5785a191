-- grain: one row per survey answer (survey_id), latest load

with

source as (

    select * from raw.crm.surveys

),

renamed as (

    select
        trim(survey_id) as survey_id,
        trim(customer_id) as customer_id,
        nullif(trim(channel_id), '') as channel_id,
        cast(satisfaction_score as integer) as satisfaction_score,
        cast(nps_score as integer) as nps_score,
        cast(answered_at as timestamp) as answered_at,
        cast(updated_at as timestamp) as updated_at,
        _loaded_at as loaded_at

    from source

),

final as (

    select *
    from renamed
    -- a key loaded more than once keeps its latest load; two rows from one load both stay and fail the unique test
    qualify loaded_at = max(loaded_at) over (partition by survey_id)

)

select * from final
