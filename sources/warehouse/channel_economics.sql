-- grain: one row per channel over the whole history (see marts.channel_economics).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.channel_economics
