#!/usr/bin/env bash
# A real PostgreSQL streaming replica of the local server, for CI and for trying the replica on one machine:
#   deploy/replica.sh start    base-backs-up the primary (127.0.0.1:5432) into a new cluster on port 5433,
#                              with a replication slot so the primary keeps the WAL the standby still needs
#   deploy/replica.sh stop     stops it, removes the cluster and drops the slot (else the primary keeps WAL forever)
# Needs root (it runs the standby as the postgres user) and a primary that trusts local connections, as CI's does.
set -euo pipefail

PRIMARY_PORT="${PRIMARY_PORT:-5432}"
REPLICA_PORT="${REPLICA_PORT:-5433}"
DATA="${REPLICA_DATA:-/var/tmp/kunshan-replica}"
SLOT="kunshan_replica"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
as_postgres() { su postgres -s /bin/bash -c "$*"; }
primary_sql() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -v ON_ERROR_STOP=1 -Atqc "$1"; }

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl -D $DATA -m fast -w stop" >/dev/null || true; fi
  rm -rf "$DATA"
  primary_sql "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
}

start() {
  stop
  # Debian's pg_hba.conf has no replication line: allow the local one, as for the other local connections.
  local hba
  hba="$(primary_sql 'SHOW hba_file')"
  if ! grep -q "^host[[:space:]]\+replication[[:space:]]\+all[[:space:]]\+127.0.0.1/32" "$hba"; then
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
  fi
  mkdir -p "$DATA" && chown postgres "$DATA" && chmod 700 "$DATA"
  # -R writes standby.signal and primary_conninfo; -C -S creates the slot that holds the WAL for it.
  as_postgres "$BIN/pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D $DATA -R -X stream -C -S $SLOT -c fast"
  # Debian keeps the configuration outside the data directory: the standby gets its own, minimal one.
  cat >"$DATA/postgresql.conf" <<EOF
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
hba_file = '$DATA/pg_hba.conf'
ident_file = '$DATA/pg_ident.conf'
EOF
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$DATA/pg_hba.conf"
  : >"$DATA/pg_ident.conf"
  chown postgres "$DATA"/*.conf
  as_postgres "$BIN/pg_ctl -D $DATA -l $DATA/standby.log -w start" >/dev/null
  psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atqc "SELECT pg_is_in_recovery()" | grep -q t
  echo "standby on 127.0.0.1:$REPLICA_PORT (slot $SLOT)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
