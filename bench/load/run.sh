#!/usr/bin/env bash
# Load test on loopback: gunicorn (2 sync workers, PostgreSQL) under locust (headless).
# Prints throughput and p50/p95/p99 latency per request type.
#   bash bench/load/run.sh [seconds=30] [users=8]
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
ensure_venv dev
ensure_postgres
ensure_redis
DURATION="${1:-30}"
USERS="${2:-8}"
PORT="${LOAD_PORT:-8765}"
DB="${LOAD_DATABASE_NAME:-vpp_load}"
OUT="$(mktemp -d)"
export DJANGO_SETTINGS_MODULE=vpp.settings.development
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/$DB"
export REDIS_URL="${LOAD_REDIS_URL:-redis://127.0.0.1:6379/14}"
export DEBUG=False ALLOWED_HOSTS=127.0.0.1 MARKET_CLOCK=wall LOG_LEVEL=WARNING
export SECRET_KEY="load-test-only-$(date +%s)-not-a-real-secret"
export LOAD_TOKENS="$OUT/tokens"

log "fresh database $DB"
PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" >/dev/null
"$VENV/bin/python" manage.py migrate -v 0
"$VENV/bin/python" bench/load/seed.py
set -a; source "$LOAD_TOKENS"; set +a

log "gunicorn on 127.0.0.1:$PORT"
"$VENV/bin/gunicorn" vpp.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
    --log-level warning >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/login/" >/dev/null && break; sleep 0.2; done

log "locust: $USERS users for ${DURATION}s"
"$VENV/bin/locust" -f bench/load/locustfile.py --headless -u "$USERS" -r "$USERS" \
    -t "${DURATION}s" --host "http://127.0.0.1:$PORT" --csv "$OUT/load" --only-summary \
    >"$OUT/locust.log" 2>&1 || { tail -20 "$OUT/locust.log"; }

"$VENV/bin/python" - "$OUT/load_stats.csv" "$DURATION" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'request':44} {'reqs':>6} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
for r in rows:
    name = r["Name"] if r["Name"].split(" ")[0] in ("GET", "POST") else f"{r['Type']} {r['Name']}"
    name = name.strip()[:44]
    print(f"{name:44} {r['Request Count']:>6} {r['Failure Count']:>5} "
          f"{float(r['Requests/s']):7.1f} {r['50%']:>7} {r['95%']:>7} {r['99%']:>7}")
PY
errors=$(grep -ci "traceback" "$OUT/gunicorn.log" || true)
echo "server tracebacks: $errors   (logs in $OUT)"
