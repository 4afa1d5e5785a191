-- grain: one row per survey answer (survey_id)

with

surveys as (

    select * from staging.stg_crm__surveys

),

final as (

    select
        survey_id,
        customer_id,
        channel_id,
        -- NPS bands: 9-10 promoters, 7-8 passives, 0-6 detractors
        case
            when nps_score >= 9 then 'promoter'
            when nps_score >= 7 then 'passive'
            else 'detractor'
        end as nps_category,
        satisfaction_score,
        nps_score,
        nps_score >= 9 as is_promoter,
        nps_score <= 6 as is_detractor,
        cast(answered_at as date) as answered_date,
        answered_at,
        updated_at

    from surveys

)

select * from final
