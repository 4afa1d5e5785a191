-- grain: one row per negative customer signal - a service ticket, a return, a detractor or dissatisfied survey answer, a negative CRM interaction (signal_id)

with

service_tickets as (

    select * from core.service_tickets

),

returns as (

    select * from core.returns

),

surveys as (

    select * from core.surveys

),

interactions as (

    select * from core.interactions

),

profiles as (

    select * from intermediate.int_customer_profiles_scored

),

ticket_signals as (

    select
        'ticket:' || ticket_id as signal_id,
        customer_id,
        'ticket' as signal_source,
        'ticket_' || category as reason,
        opened_date as signal_date

    from service_tickets

),

return_signals as (

    select
        'return:' || return_id as signal_id,
        customer_id,
        'return' as signal_source,
        'return_' || return_reason as reason,
        returned_date as signal_date

    from returns
    where customer_id is not null

),

survey_signals as (

    -- a survey answer can be both: a detractor (NPS 0-6) and dissatisfied (satisfaction 1-2)
    select
        'survey:' || survey_id || ':detractor' as signal_id,
        customer_id,
        'survey' as signal_source,
        'survey_detractor' as reason,
        answered_date as signal_date

    from surveys
    where is_detractor

    union all

    select
        'survey:' || survey_id || ':dissatisfied' as signal_id,
        customer_id,
        'survey' as signal_source,
        'survey_dissatisfied' as reason,
        answered_date as signal_date

    from surveys
    where satisfaction_score <= 2

),

interaction_signals as (

    select
        'interaction:' || interaction_id as signal_id,
        customer_id,
        'interaction' as signal_source,
        'interaction_negative' as reason,
        interaction_date as signal_date

    from interactions
    where outcome = 'negative'

),

signals as (

    select * from ticket_signals
    union all
    select * from return_signals
    union all
    select * from survey_signals
    union all
    select * from interaction_signals

),

final as (

    -- a CRM record naming a customer the warehouse does not know (core warns about it) explains no customer's churn
    select signals.*
    from signals
    where signals.customer_id in (select customer_id from profiles)

)

select * from final
