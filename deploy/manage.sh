#!/usr/bin/env bash
# `deploy/manage.sh <command> [args]`: a manage.py command with the settings the services run with
# (/etc/kunshan/kunshan.env, or KUNSHAN_ENV_FILE), as the kunshan user when started by root.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file="${KUNSHAN_ENV_FILE:-/etc/kunshan/kunshan.env}"
if [ "$(id -u)" = 0 ] && id kunshan >/dev/null 2>&1; then
  exec runuser -u kunshan -- "$PWD/deploy/manage.sh" "$@"
fi
# NAME=value lines as systemd reads them (a value may hold spaces); comments and blank lines skipped.
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '' | \#*) continue ;; esac
  export "${line?}"
done < "$env_file"
exec .venv/bin/python manage.py "$@"
