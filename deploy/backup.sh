#!/usr/bin/env bash
# Back up the database DATABASE_URL names with pg_dump (custom format: compressed, restorable table by
# table), into BACKUP_DIR (default ./backups), keeping KEEP_DAYS (default 30) days of them.
# Prints the file it wrote. Restore with deploy/restore.sh.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must name the database}"
dir=${BACKUP_DIR:-backups}
keep=${KEEP_DAYS:-30}
url=${DATABASE_URL/postgresql+psycopg:/postgresql:}
url=${url/postgres:\/\//postgresql:\/\/}
mkdir -p "$dir"
file="$dir/training-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --no-privileges --file="$file.partial" "$url"
mv "$file.partial" "$file"  # only a finished dump carries the .dump name
find "$dir" -name 'training-*.dump' -mtime +"$keep" -delete
echo "$file"
