#!/usr/bin/env bash
# Two app nodes behind one nginx, as production runs them, on this machine (called by .ci/run; runs alone too).
#
# A database of its own with the demo city, production settings (DEBUG off, its own keys,
# TRUSTED_PROXY_COUNT=1), `collectstatic`, two gunicorn nodes on two ports sharing one upload folder, Redis and
# the database, and nginx (Debian's, installed when absent) run as this user from a generated configuration in a
# temporary folder: the shipped snippet deploy/nginx/kunshan-app.conf behind TLS (a throwaway certificate) on
# one port with both nodes as the upstream, and the same snippet on two more ports pinned to node A and node B.
# deploy/smoke.py then walks the journey through nginx only. Everything started here is stopped on exit.
#
# Needs DATABASE_URL (PostgreSQL: the server on which the throwaway database is made) and REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
: "${DATABASE_URL:?deploy/two_nodes.sh needs DATABASE_URL (PostgreSQL)}"
: "${REDIS_URL:?deploy/two_nodes.sh needs REDIS_URL}"

log() { printf '  -- %s\n' "$*"; }

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  log "installing Debian's nginx"
  apt-get update -qq
  # nginx-light where the release still has it (Debian 12), else nginx.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  # The package starts its own server on port 80 where it can: this test needs only its own.
  if [ -f /run/nginx.pid ]; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/kunshan-two-nodes.XXXXXX)
server_url=${DATABASE_URL%/*}
db_name="kunshan_two_nodes_$$"
node_pids=()
nginx_started=""

cleanup() {
  status=$?
  set +e
  if [ -n "$nginx_started" ] && [ -f "$work/nginx.pid" ]; then
    "$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" -s quit 2>/dev/null
  fi
  for pid in "${node_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${node_pids[@]}"; do
    wait "$pid" 2>/dev/null
  done
  if [ "$status" -ne 0 ]; then
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "---- $f"; tail -n 40 "$f"; }; done
  fi
  psql "$server_url/postgres" -q -c "DROP DATABASE IF EXISTS $db_name" >/dev/null 2>&1
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_a=$(free_port); port_b=$(free_port); port_lb=$(free_port); port_pin_a=$(free_port); port_pin_b=$(free_port)

# --- production settings, shared by both nodes -------------------------------------------------------------------
export DATABASE_URL="$server_url/$db_name"
export DEBUG=0 TRUSTED_PROXY_COUNT=1 LOG_FORMAT=plain LOG_LEVEL=WARNING WEB_CONCURRENCY=2
export ALLOWED_HOSTS="127.0.0.1" CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$port_lb"
export MEDIA_ROOT="$work/shared-media"  # the folder both nodes mount
export PERSONAL_DATA_LOG_FILE="$work/personal_data.log"
export AXES_FAILURE_LIMIT=3
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
ID_NUMBER_ENCRYPTION_KEYS="$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
ID_NUMBER_HMAC_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
PASS_SIGNING_KEY="$(DEBUG=1 "$PY" -c 'from passes.signing import new_private_key_text; print(new_private_key_text())')"
export SECRET_KEY ID_NUMBER_ENCRYPTION_KEYS ID_NUMBER_HMAC_KEY PASS_SIGNING_KEY
mkdir -p "$MEDIA_ROOT"

log "database $db_name with the demo city"
psql "$server_url/postgres" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db_name" >/dev/null
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_reference >/dev/null
DEBUG=1 "$PY" manage.py seed_demo >/dev/null  # seed_demo refuses DEBUG off; the same keys sign its passes
pass_token=$("$PY" manage.py shell -v 0 -c "
from passes.models import ReturnPass
from django.utils import timezone
p = ReturnPass.objects.filter(status='valid', valid_from__lte=timezone.localdate(), valid_until__gte=timezone.localdate()).exclude(token='').first()
print(p.token)" | tail -n 1)

log "collectstatic"
"$PY" manage.py collectstatic --noinput -v0

log "gunicorn nodes on :$port_a (A) and :$port_b (B)"
for node in a b; do
  port_var="port_$node"
  .venv/bin/gunicorn --bind "127.0.0.1:${!port_var}" --workers 2 --no-control-socket --access-logfile "$work/node-$node.access.log" \
    --error-logfile "$work/node-$node.log" >>"$work/node-$node.log" 2>&1 &
  node_pids+=($!)
done

log "nginx on :$port_lb (both nodes), :$port_pin_a (node A only), :$port_pin_b (node B only)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/snippets" "$work/temp"
# The shipped snippets, with this checkout's static folder and this folder's snippet paths.
sed -e "s#/srv/kunshan/staticfiles/#$PWD/staticfiles/#" -e "s#/etc/nginx/snippets/#$work/snippets/#" \
  deploy/nginx/kunshan-app.conf > "$work/snippets/kunshan-app.conf"
cp deploy/nginx/kunshan-proxy-headers.conf "$work/snippets/"
for node in a b; do
  sed "s#proxy_pass http://kunshan_app;#proxy_pass http://node_$node;#" "$work/snippets/kunshan-app.conf" \
    > "$work/snippets/kunshan-app-$node.conf"
done
server_block() {  # server_block <port> <snippet>
  cat <<EOF
    server {
        listen 127.0.0.1:$1 ssl;
        server_name 127.0.0.1;
        ssl_certificate $work/cert.pem;
        ssl_certificate_key $work/key.pem;
        # Which node answered (test only): empty, so absent, for what nginx serves itself.
        add_header X-Upstream \$upstream_addr always;
        include $work/snippets/$2;
    }
EOF
}
cat > "$work/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $work/nginx.access.log;
    client_body_temp_path $work/temp/body;
    proxy_temp_path $work/temp/proxy;
    fastcgi_temp_path $work/temp/fastcgi;
    uwsgi_temp_path $work/temp/uwsgi;
    scgi_temp_path $work/temp/scgi;
    upstream kunshan_app {
        server 127.0.0.1:$port_a max_fails=3 fail_timeout=10s;
        server 127.0.0.1:$port_b max_fails=3 fail_timeout=10s;
        keepalive 8;
    }
    upstream node_a { server 127.0.0.1:$port_a; }
    upstream node_b { server 127.0.0.1:$port_b; }
$(server_block "$port_lb" kunshan-app.conf)
$(server_block "$port_pin_a" kunshan-app-a.conf)
$(server_block "$port_pin_b" kunshan-app-b.conf)
}
EOF
"$NGINX" -t -q -p "$work" -c "$work/nginx.conf" -e "$work/error.log"
"$NGINX" -p "$work" -c "$work/nginx.conf" -e "$work/error.log"
nginx_started=1

# Both nodes answer before the journey starts (each boots Django in its workers).
"$PY" - "$port_a" "$port_b" <<'EOF'
import sys, time, urllib.request

direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy of the environment
for port in sys.argv[1:]:
    for _ in range(120):
        try:
            direct.open(f"http://127.0.0.1:{port}/healthz/live", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        sys.exit(f"the node on port {port} did not come up")
EOF

log "the journey, through nginx only"
"$PY" deploy/smoke.py --ca "$work/cert.pem" --balanced "https://127.0.0.1:$port_lb" \
  --node-a "https://127.0.0.1:$port_pin_a" --node-b "https://127.0.0.1:$port_pin_b" \
  --node-ports "$port_a,$port_b" --pass-token "$pass_token" --lockout-limit "$AXES_FAILURE_LIMIT" \
  --demo-password "${DEMO_PASSWORD:-Kunshan@2020}"
