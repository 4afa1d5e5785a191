-- grain: one row; when the data was last refreshed and the latest order date it contains.
select * from marts.warehouse_status
