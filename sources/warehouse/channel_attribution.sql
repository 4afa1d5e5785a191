-- grain: one row per journey source and channel over the last 12 months of journeys (see marts.channel_attribution).
-- Published whole inside the static site: the mart carries no personal data (counts and money per channel).
select * from marts.channel_attribution
