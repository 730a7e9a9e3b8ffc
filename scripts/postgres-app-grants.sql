-- The application role's privileges (README, "Production: two database roles").
-- Run as the owner role after every `manage.py migrate`, which may have added tables:
--   psql "postgres://budgetscreen_owner:…@db.example/budgetscreen" -f scripts/postgres-app-grants.sql
-- The application reads and writes every table, but may only read and append to the audit
-- trail: no UPDATE, DELETE or TRUNCATE on core_auditevent, and (not owning it) no ALTER, no
-- DROP, no disabling of its triggers. tests/ops/test_database_roles.py runs this file.
GRANT USAGE ON SCHEMA public TO budgetscreen_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO budgetscreen_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO budgetscreen_app;
REVOKE UPDATE, DELETE, TRUNCATE ON core_auditevent FROM budgetscreen_app;
