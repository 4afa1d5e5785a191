-- grain: one row per scope - the company, a value tier before the quiet window, a channel of the reference window (scope_type, scope_id) - as of the as-of date

with

churn as (

    select * from marts.customer_churn

),

reference_customers as (

    select * from churn
    where is_reference_customer

),

scoped as (

    select 'company' as scope_type, 'all' as scope_id, * from reference_customers
    union all
    select 'value_tier', coalesce(value_tier_before_quiet_window, 'untiered'), * from reference_customers
    union all
    select 'channel', reference_window_channel_id, * from reference_customers

),

final as (

    select
        scope_type,
        scope_id,
        count(*) as reference_customers,
        count(*) filter (where has_gone_quiet) as gone_quiet_customers,
        count(*) filter (where has_gone_quiet) / count(*) as churn_rate,
        count(*) filter (where is_key_customer) as key_customers,
        count(*) filter (where is_key_customer_gone_quiet) as key_customers_gone_quiet,
        count(*) filter (where is_key_customer_gone_quiet) / nullif(count(*) filter (where is_key_customer), 0)
            as key_customer_churn_rate,
        cast(sum(revenue_reference_window) filter (where has_gone_quiet) as decimal(18, 2))
            as gone_quiet_reference_revenue,
        any_value(reference_window_start) as reference_window_start,
        any_value(quiet_window_start) as quiet_window_start,
        any_value(as_of_date) as as_of_date

    from scoped
    group by all

)

select * from final
