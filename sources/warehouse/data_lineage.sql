-- Which sources and raw tables feed each published table (the data-quality page).
select * from marts.data_lineage
