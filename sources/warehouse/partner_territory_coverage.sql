-- grain: one row per partner per region it was authorised for or sold to (see marts.partner_territory_coverage).
-- Published whole inside the static site: partners are companies; the mart carries no customer data.
select * from marts.partner_territory_coverage
