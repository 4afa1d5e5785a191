-- grain: one row per journey source, period, channel and attribution model (see marts.channel_attribution_monthly).
-- Published whole inside the static site: counts and money per channel and month, no personal data.
select * from marts.channel_attribution_monthly
