-- Ratios the channel marts report, each defined once.

-- A ratio whose base can be zero: numerator / denominator, and null (no figure, shown blank) when the denominator is 0,
-- as when either is unknown, rather than an infinite or undefined rate. A channel with no sales has no margin, not a
-- margin of 0.
create or replace macro macros.ratio_or_null(numerator, denominator) as
    numerator / nullif(denominator, 0);

-- Contribution margin (贡献利润率): the share of revenue a channel keeps after its cost of goods and every channel cost
-- (rebates, platform fees, commissions, marketing, management) - contribution / revenue. Null without revenue.
create or replace macro macros.contribution_margin(contribution, revenue) as
    macros.ratio_or_null(contribution, revenue);

-- Return on channel costs (投入产出比, ROI): what each yuan spent on a channel (rebates, platform fees, commissions,
-- marketing, management) brings back after paying for the goods and for itself - contribution / channel costs: 0.2
-- means each yuan of channel cost returned 0.2 on top of itself, below 0 the channel loses money. Null without channel
-- costs.
create or replace macro macros.return_on_channel_costs(contribution, channel_costs) as
    macros.ratio_or_null(contribution, channel_costs);
