-- grain: one row per customer segment per channel type (see marts.segment_channel_fit).
-- Published whole inside the static site: aggregates only, no customer ids.
select * from marts.segment_channel_fit
