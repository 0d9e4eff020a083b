#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into the database TARGET_URL names (it must exist and be empty;
# create it with `createdb`). Stop the app (or point it elsewhere) first; afterwards run
# `flask --app wsgi db upgrade` if the dump is older than the code.
#   TARGET_URL=postgresql://training@db:5432/training_restored deploy/restore.sh backups/training-....dump
set -euo pipefail
dump=${1:?usage: restore.sh DUMP_FILE}
: "${TARGET_URL:?TARGET_URL must name the (empty) database to restore into}"
url=${TARGET_URL/postgresql+psycopg:/postgresql:}
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
echo "restored $dump"
