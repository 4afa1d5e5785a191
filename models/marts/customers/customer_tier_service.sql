-- grain: one row per customer value tier (value_tier): its rule and the service it gets

with

tiers as (

    select * from (
        values
            (
                'high_value_loyal', 1, 'High-value loyal', '高价值忠诚客户',
                'current_value_score >= 0.8 (top fifth of the last 12 months'' buyers by spend and gross margin) and 2+ orders in the last 12 months',
                'Named account manager; quarterly business review or personal call; priority service line with a 4-hour first response; early access to new products; loyalty rewards on repeat orders',
                '专属客户经理；季度回访；优先服务通道（4小时内响应）；新品优先体验；复购积分奖励',
                'monthly', 'account manager',
                'Gone quiet (no order for 4 months, a key-customer churn alert): the account manager calls within one week and the case is reviewed with a retention offer'
            ),
            (
                'high_potential_growth', 2, 'High-potential growth', '高潜力增长客户',
                'not high-value loyal, and potential_value_score >= 0.8 (top fifth by expected spend of the next 12 months) or 2+ customers referred',
                'Growth plan: cross-sell and upgrade offers matched to past purchases, second-purchase incentives, referral programme invitation, onboarding follow-up after each order',
                '成长计划：基于购买记录的交叉销售与升级推荐；复购激励；邀请加入推荐计划；每单后的使用回访',
                'every 6 weeks', 'CRM team',
                'Gone quiet: automated win-back offer, then a call from the CRM team'
            ),
            (
                'general_value', 3, 'General value', '一般价值客户',
                'neither of the above, and current_value_score >= 0.4 or potential_value_score >= 0.4',
                'Standard service: member benefits, targeted campaigns by segment and channel, satisfaction survey after service contacts',
                '标准服务：会员权益；按细分与渠道的精准营销；服务后满意度调研',
                'quarterly', 'marketing automation',
                'Gone quiet: reactivation campaign'
            ),
            (
                'low_value_long_tail', 4, 'Low value / long tail', '低价值/长尾客户',
                'everyone else, customers without an order included',
                'Low-cost digital service: self-service, online channels and community group buying, mass promotions; no account cost',
                '低成本数字化服务：自助服务、线上渠道与社区团购、大众促销；不配置专人',
                'campaigns only', 'self-service',
                'No individual action'
            )
    ) as tiers (
        value_tier, tier_order, name_en, name_zh, rule, service_en, service_zh, contact_cadence, service_owner,
        churn_response
    )

),

final as (

    select
        value_tier,
        name_en,
        name_zh,
        rule,
        service_en,
        service_zh,
        contact_cadence,
        service_owner,
        churn_response,
        tier_order

    from tiers

)

select * from final
