-- grain: one row per partner per region per month in which the partner is under contract and authorised for the region on the month's reference date

with

calendar as (

    select * from intermediate.int_calendar_months

),

partners as (

    select * from core.partners

),

partner_territories as (

    select * from core.partner_territories

),

final as (

    select distinct
        partner_territories.partner_id,
        partner_territories.region_id,
        partners.channel_id,
        partners.channel_type,
        partners.outlet_count,
        calendar.reference_date,
        calendar.month

    from calendar
    inner join partner_territories
        on partner_territories.valid_from <= calendar.reference_date
        and (partner_territories.valid_to is null or calendar.reference_date <= partner_territories.valid_to)
    inner join partners
        on partner_territories.partner_id = partners.partner_id
        -- under contract: signed by then, and terminated_date (the first day without a contract) still ahead
        and partners.signed_date <= calendar.reference_date
        and (partners.terminated_date is null or partners.terminated_date > calendar.reference_date)

)

select * from final
