-- grain: one row per customer value tier (value_tier): its rule and the service it gets

with

tiers as (

    select * from (
        values
            (
                'high_value_loyal', 1, 'High-value loyal', '高价值忠诚客户',
                'Current value score 0.8 or more (the top fifth of the last 12 months'' buyers by spend and gross margin) and 2 or more orders in the last 12 months',
                '当前价值得分不低于0.8（近12个月消费额与毛利排名前20%的购买客户），且近12个月下单2次及以上',
                'Named account manager; quarterly business review or personal call; priority service line with a 4-hour first response; early access to new products; loyalty rewards on repeat orders',
                '专属客户经理；季度回访；优先服务通道（4小时内响应）；新品优先体验；复购积分奖励',
                'Monthly', '每月', 'Account manager', '客户经理',
                'Gone quiet (no order for 4 months, a key-customer churn alert): the account manager calls within one week and the case is reviewed with a retention offer',
                '沉默（连续4个月未下单，触发关键客户流失预警）：客户经理一周内致电，并评估挽回方案'
            ),
            (
                'high_potential_growth', 2, 'High-potential growth', '高潜力增长客户',
                'Not high-value loyal, and a potential value score of 0.8 or more (the top fifth by predicted spend over the next 12 months) or 2 or more customers referred',
                '非高价值忠诚客户，且潜在价值得分不低于0.8（未来12个月预计消费额排名前20%），或已推荐2位及以上新客户',
                'Growth plan: cross-sell and upgrade offers matched to past purchases, second-purchase incentives, referral programme invitation, onboarding follow-up after each order',
                '成长计划：基于购买记录的交叉销售与升级推荐；复购激励；邀请加入推荐计划；每单后的使用回访',
                'Every 6 weeks', '每6周', 'CRM team', '客户关系管理团队',
                'Gone quiet: automated win-back offer, then a call from the CRM team',
                '沉默：自动发送挽回优惠，随后由客户关系管理团队致电'
            ),
            (
                'general_value', 3, 'General value', '一般价值客户',
                'Neither of the above, and a current or potential value score of 0.4 or more',
                '不属于以上两类，且当前价值得分或潜在价值得分不低于0.4',
                'Standard service: member benefits, targeted campaigns by segment and channel, satisfaction survey after service contacts',
                '标准服务：会员权益；按细分与渠道的精准营销；服务后满意度调研',
                'Quarterly', '每季度', 'Marketing automation', '营销自动化',
                'Gone quiet: reactivation campaign',
                '沉默：唤醒营销活动'
            ),
            (
                'low_value_long_tail', 4, 'Low value / long tail', '低价值/长尾客户',
                'Everyone else, customers without an order included',
                '其余所有客户，包括尚未下单的客户',
                'Low-cost digital service: self-service, online channels and community group buying, mass promotions; no account cost',
                '低成本数字化服务：自助服务、线上渠道与社区团购、大众促销；不配置专人',
                'Campaigns only', '仅营销活动', 'Self-service', '自助服务',
                'No individual action',
                '不做单独跟进'
            )
    ) as tiers (
        value_tier, tier_order, name_en, name_zh, rule, rule_zh, service_en, service_zh, contact_cadence,
        contact_cadence_zh, service_owner, service_owner_zh, churn_response, churn_response_zh
    )

),

final as (

    select
        value_tier,
        name_en,
        name_zh,
        rule,
        rule_zh,
        service_en,
        service_zh,
        contact_cadence,
        contact_cadence_zh,
        service_owner,
        service_owner_zh,
        churn_response,
        churn_response_zh,
        tier_order

    from tiers

)

select * from final
