-- grain and tests: models/reporting/brief/executive_brief.sql and .yml (the front page's findings)
select * from reporting.executive_brief
