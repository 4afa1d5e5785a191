-- grain: one row per channel over the whole history (see marts.emerging_channel_comparison).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.emerging_channel_comparison
