-- grain: one row per month per previous tier per tier (see marts.customer_tier_movement). Counts only.
select * from marts.customer_tier_movement
