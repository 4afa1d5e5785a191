-- grain and tests: models/marts/channel/risk_register.sql and .yml (one row per risk of the plan, ranked)
select * from marts.risk_register
