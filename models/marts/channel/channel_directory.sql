-- grain: one row per channel, with its name and the display labels of its channel type and channel group in both of the
-- site's languages (pages join on channel_id and pick the reader's: channel_name_zh / channel_name_en)
with

channels as (
    select * from core.channels
),

channel_type_labels as (

    select * from (
        values
            ('distributor', 'Distributors', '经销商', 1),
            ('agent', 'Agents', '代理商', 2),
            ('retailer', 'Retailers', '零售商', 3),
            ('ecommerce_platform', 'E-commerce platforms', '电商平台', 4),
            ('social_commerce', 'Social commerce', '社交电商', 5),
            ('content_commerce', 'Content commerce', '内容电商', 6),
            ('live_streaming', 'Live-streaming', '直播带货', 7),
            ('community_group_buying', 'Community group buying', '社区团购', 8),
            ('direct_key_account', 'Direct key accounts', '直销大客户', 9)
    ) as labels (channel_type, channel_type_label, channel_type_label_zh, channel_type_order)

),

channel_group_labels as (

    select * from (
        values
            ('traditional', 'Traditional', '传统渠道', 1),
            ('emerging', 'Emerging', '新兴渠道', 2),
            ('direct', 'Direct', '直销', 3)
    ) as labels (channel_group, channel_group_label, channel_group_label_zh, channel_group_order)

),

final as (

    select
        channels.channel_id,
        channels.channel_name,
        -- the order system's own name is the English one; its optional Chinese name falls back to it (core.channels)
        channels.channel_name_zh,
        channels.channel_name as channel_name_en,
        channels.channel_type,
        channel_type_labels.channel_type_label,
        channel_type_labels.channel_type_label_zh,
        channel_type_labels.channel_type_order,
        channels.channel_group,
        channel_group_labels.channel_group_label,
        channel_group_labels.channel_group_label_zh,
        channel_group_labels.channel_group_order,
        channels.is_online,
        channels.is_partner_channel,
        channels.launched_date

    from channels
    left join channel_type_labels
        on channels.channel_type = channel_type_labels.channel_type
    left join channel_group_labels
        on channels.channel_group = channel_group_labels.channel_group

)

select * from final
