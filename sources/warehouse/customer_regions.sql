-- grain: one row per region: its names, to label the customer pages' region ids (marts.region_coverage).
select region_id, region_name, region_name_zh, area from marts.region_coverage
