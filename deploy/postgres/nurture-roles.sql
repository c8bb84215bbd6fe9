-- Nurture's database and its two roles (docs/deploy.md, "Database roles"): nurture_migrate owns
-- the database, its schema and every table (`nurture migrate`); nurture_app, which the API and
-- the workers use, may only read and write rows. PostgreSQL 15 or later (the public schema
-- belongs to the database owner there). Run as an administrator on the maintenance database:
--   psql -h <host> -U <admin> -d postgres -v ON_ERROR_STOP=1 \
--     -v migrate_password=<secret> -v app_password=<secret> -f deploy/postgres/nurture-roles.sql
CREATE ROLE nurture_migrate LOGIN PASSWORD :'migrate_password';
CREATE ROLE nurture_app LOGIN PASSWORD :'app_password';
CREATE DATABASE nurture OWNER nurture_migrate;
REVOKE ALL ON DATABASE nurture FROM PUBLIC;
GRANT CONNECT ON DATABASE nurture TO nurture_app;

-- The rest as the owner, so that the tables it will create grant their rows to nurture_app.
\connect nurture nurture_migrate
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO nurture_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO nurture_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO nurture_app;
