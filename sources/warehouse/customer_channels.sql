-- grain: one row per channel: its name and the readable labels of its channel type (marts.channel_directory), to
-- label the customer pages' channel ids and channel-type codes. No personal data.
select
    channel_id,
    channel_name,
    channel_type,
    channel_type_label,
    channel_type_label_zh,
    channel_type_order,
    channel_group,
    channel_group_label
from marts.channel_directory
