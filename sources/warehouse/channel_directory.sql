-- grain: one row per channel, with its name and its channel type and group display labels in Chinese and English
-- (see marts.channel_directory).
-- Published whole inside the static site: the mart carries no personal data.
select * from marts.channel_directory
