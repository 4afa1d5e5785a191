-- grain: one row per channel, with its channel type and group display labels (see marts.channel_directory).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.channel_directory
