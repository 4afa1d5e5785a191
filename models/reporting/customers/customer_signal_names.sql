-- grain: one row per customer with a churn signal in marts.customer_churn (signal_reasons), the reasons named in both
-- of the site's languages from marts.churn_reasons, in reason order. Written once here for the churn page's two lists
-- (customer_at_risk_top, customer_key_gone_quiet); published with neither on its own.
with

named as (

    select
        churn.customer_id,
        string_agg(reasons.name_zh, '；' order by reasons.reason) as signal_reasons_zh,
        string_agg(reasons.name_en, '; ' order by reasons.reason) as signal_reasons_en
    from marts.customer_churn as churn
    cross join unnest(string_split(churn.signal_reasons, ', ')) as signalled (reason)
    inner join marts.churn_reasons as reasons on reasons.reason = signalled.reason
    group by churn.customer_id

),

final as (
    select * from named
)

select * from final
