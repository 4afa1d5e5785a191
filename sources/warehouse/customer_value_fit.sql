-- grain: one row per model of the predicted customer value (see marts.customer_value_fit): two rows.
select * from marts.customer_value_fit
