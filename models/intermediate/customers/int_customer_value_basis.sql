-- grain: one row: what potential value (潜在价值) rests on in the value tiers, as the fit of intermediate.int_customer_value_predicted at the as-of date decided

with

predicted as (

    select * from intermediate.int_customer_value_predicted

),

fit_comment as (

    -- the predicted-value model writes its fit and the fit's diagnostics as JSON into its table comment, after
    -- "fit diagnostics: " (the runner builds one table per model; see int_customer_value_predicted.ts)
    select cast(regexp_extract(comment, 'fit diagnostics: (\{.*\})$', 1) as json) as fit_diagnostics
    from duckdb_tables()
    where database_name = current_database()
        and schema_name = 'intermediate'
        and table_name = 'int_customer_value_predicted'

),

predicted_as_of as (

    -- the customers the predictions of the as-of date cover (none: nobody has bought, nothing was fitted)
    select count(*) as customers_predicted
    from predicted
    where prediction_date = (select max(prediction_date) from predicted)

),

final as (

    -- the one place the basis is decided, so that the monthly tiers (and with them last month's tier, the tier
    -- movement, churn by tier and satisfaction by tier) and marts.customer_value_fit cannot disagree: the predicted
    -- spend when the BG/NBD carries a churn signal and both models gave predictions; the recency and lifetime-revenue
    -- rule when the BG/NBD was fitted but says nothing (a P(alive) of 1.00 for nearly everyone ranks nobody); current
    -- value alone otherwise (no fit, no prediction)
    select
        case
            when json_extract_string(fit_comment.fit_diagnostics, '$.model_status') = 'fitted'
                and json_extract_string(fit_comment.fit_diagnostics, '$.bg_nbd.verdict') = 'informative'
                then 'predicted_spend'
            when json_extract_string(fit_comment.fit_diagnostics, '$.bg_nbd.fit_status') = 'fitted'
                and json_extract_string(fit_comment.fit_diagnostics, '$.bg_nbd.verdict') = 'uninformative'
                then 'recency_and_lifetime_revenue'
            else 'current_value_only'
        end as potential_value_basis,
        json_extract_string(fit_comment.fit_diagnostics, '$.model_status') as model_status,
        coalesce(json_extract_string(fit_comment.fit_diagnostics, '$.bg_nbd.verdict'), 'not_fitted') as bg_nbd_verdict,
        predicted_as_of.customers_predicted,
        fit_comment.fit_diagnostics

    from fit_comment
    cross join predicted_as_of

)

select * from final
