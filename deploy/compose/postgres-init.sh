#!/bin/sh
# Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d): Nurture's
# database and roles, from the same SQL docs/deploy.md gives and test/deploy.test.ts runs.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v migrate_password="$NURTURE_MIGRATE_DB_PASSWORD" -v app_password="$NURTURE_APP_DB_PASSWORD" \
  -f /nurture/nurture-roles.sql
