#!/usr/bin/env bash
# make restore BACKUP=<folder>: checks the manifest, then restores the database into RESTORE_DATABASE_URL (default
# DATABASE_URL; its objects are replaced) and the uploaded files into MEDIA_ROOT. Stop the portal first.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BACKUP:?make restore needs BACKUP=<backup folder>}"
target_db="${RESTORE_DATABASE_URL:-${DATABASE_URL:?make restore needs DATABASE_URL or RESTORE_DATABASE_URL}}"
media="${MEDIA_ROOT:-var/media}"
(cd "$BACKUP" && sha256sum --check --quiet MANIFEST.sha256) || { echo "the backup in $BACKUP is damaged" >&2; exit 1; }
pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$target_db" "$BACKUP/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$BACKUP/media.tar.gz"
echo "restored $BACKUP"
