-- grain: one row per partner, as of the as-of date (see marts.partner_scorecard).
-- Published whole inside the static site: partners are companies; no customer data.
select * from marts.partner_scorecard
