-- grain: one row per value tier (see marts.customer_tier_service): the rule and the service each tier gets.
select * from marts.customer_tier_service
