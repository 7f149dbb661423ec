#!/usr/bin/env bash
# make backup: the PostgreSQL database (pg_dump, custom format) and the uploaded files, with a SHA-256 manifest,
# into one new folder under BACKUP_DIR (default var/backups). Reads DATABASE_URL and MEDIA_ROOT as the portal does.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make backup needs DATABASE_URL (PostgreSQL)}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "make backup needs a PostgreSQL DATABASE_URL" >&2; exit 2;; esac
media="${MEDIA_ROOT:-var/media}"
target="${BACKUP_DIR:-var/backups}/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$target"
pg_dump --format=custom --no-owner --dbname="$DATABASE_URL" --file="$target/database.dump"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$target/media.tar.gz" .
else
  tar -czf "$target/media.tar.gz" --files-from /dev/null
fi
(cd "$target" && sha256sum database.dump media.tar.gz > MANIFEST.sha256)
echo "$target"
