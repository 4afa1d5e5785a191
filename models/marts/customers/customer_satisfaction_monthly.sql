-- grain: one row per month per scope - the company, a channel, a value tier (scope_type, scope_id, month)

with

surveys as (

    select * from core.surveys

),

profiles as (

    select * from intermediate.int_customer_profiles_scored

),

channels as (

    select * from core.channels

),

tiers_monthly as (

    select * from intermediate.int_customer_value_tiers_monthly

),

calendar as (

    select * from intermediate.int_calendar_months

),

months as (

    select month
    from calendar
    where months_before_as_of >= 0

),

survey_answers as (

    select
        surveys.survey_id,
        surveys.customer_id,
        surveys.channel_id,
        tiers_monthly.value_tier,
        surveys.satisfaction_score,
        surveys.is_promoter,
        surveys.is_detractor,
        cast(date_trunc('month', surveys.answered_date) as date) as month

    from surveys
    -- the customer's tier at the end of the month of the answer (the last 13 months only)
    left join tiers_monthly
        on surveys.customer_id = tiers_monthly.customer_id
        and cast(date_trunc('month', surveys.answered_date) as date) = tiers_monthly.month

),

new_customers as (

    select
        customer_id,
        acquisition_channel_id,
        is_referred,
        cast(date_trunc('month', created_date) as date) as month

    from profiles
    -- referrals are recorded in the CRM: a customer it does not have (known from orders only) is in neither count
    where is_in_crm

),

scopes as (

    select 'company' as scope_type, 'all' as scope_id, month from months
    union all
    select 'channel', channels.channel_id, months.month from channels cross join months
    union all
    select distinct 'value_tier', value_tier, month from tiers_monthly

),

survey_facts as (

    select 'company' as scope_type, 'all' as scope_id, * from survey_answers
    union all
    select 'channel', channel_id, * from survey_answers where channel_id is not null
    union all
    select 'value_tier', value_tier, * from survey_answers where value_tier is not null

),

surveys_by_scope as (

    select
        scope_type,
        scope_id,
        month,
        count(*) as surveys,
        count(distinct customer_id) as respondents,
        sum(satisfaction_score) as satisfaction_points,
        count(*) filter (where satisfaction_score >= 4) as satisfied_answers,
        count(*) filter (where is_promoter) as promoters,
        count(*) filter (where is_detractor) as detractors

    from survey_facts
    group by all

),

acquisition_facts as (

    select 'company' as scope_type, 'all' as scope_id, * from new_customers
    union all
    select 'channel', acquisition_channel_id, * from new_customers where acquisition_channel_id is not null

),

referrals_by_scope as (

    select
        scope_type,
        scope_id,
        month,
        count(*) as new_customers,
        count(*) filter (where is_referred) as referred_new_customers

    from acquisition_facts
    group by all

),

final as (

    select
        scopes.scope_type,
        scopes.scope_id,
        coalesce(surveys_by_scope.surveys, 0) as surveys,
        coalesce(surveys_by_scope.respondents, 0) as respondents,
        coalesce(surveys_by_scope.satisfaction_points, 0) as satisfaction_points,
        surveys_by_scope.satisfaction_points / nullif(surveys_by_scope.surveys, 0) as average_satisfaction_score,
        surveys_by_scope.satisfied_answers / nullif(surveys_by_scope.surveys, 0) as satisfied_share,
        coalesce(surveys_by_scope.promoters, 0) as promoters,
        coalesce(surveys_by_scope.detractors, 0) as detractors,
        (surveys_by_scope.promoters - surveys_by_scope.detractors) / nullif(surveys_by_scope.surveys, 0)
            as net_promoter_score,
        -- referrals are counted by the acquiring channel; a value tier has none (its customers are not new)
        case when scopes.scope_type <> 'value_tier' then coalesce(referrals_by_scope.new_customers, 0) end
            as new_customers,
        case when scopes.scope_type <> 'value_tier' then coalesce(referrals_by_scope.referred_new_customers, 0) end
            as referred_new_customers,
        referrals_by_scope.referred_new_customers / nullif(referrals_by_scope.new_customers, 0) as referral_rate,
        scopes.month

    from scopes
    left join surveys_by_scope
        on scopes.scope_type = surveys_by_scope.scope_type
        and scopes.scope_id = surveys_by_scope.scope_id
        and scopes.month = surveys_by_scope.month
    left join referrals_by_scope
        on scopes.scope_type = referrals_by_scope.scope_type
        and scopes.scope_id = referrals_by_scope.scope_id
        and scopes.month = referrals_by_scope.month

)

select * from final
