-- Macros about goals (the targets of core.targets): which sales, outlets, surveys or customers count towards one.

-- Whether something measured against a goal - a sale, a newly activated outlet, a survey answer, a new customer - falls
-- in the goal's scope, given the goal's scope_type and scope_id and the thing's channel type, channel and region:
--   company       everything counts;
--   channel_type  things of that kind of channel (e.g. every distributor);
--   channel       things of that one channel;
--   region        things in that region (a sale by where it ships to, an outlet by its home region, a customer by where
--                 they live: the caller passes the region that matters to the goal's metric).
-- False for any other scope type; null when the one column the scope compares is unknown (a survey without a channel
-- for a channel goal, say): such a thing counts towards no goal of that scope.
create or replace macro macros.in_goal_scope(scope_type, scope_id, channel_type, channel_id, region_id) as
    scope_type = 'company'
    or (scope_type = 'channel_type' and channel_type = scope_id)
    or (scope_type = 'channel' and channel_id = scope_id)
    or (scope_type = 'region' and region_id = scope_id);
