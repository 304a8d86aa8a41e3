#!/usr/bin/env bash
# The demo command: installs what is needed, builds an embedded database (a SQLite file, tasks
# run in-process, no server needed), loads the demo portfolio, and serves the web app on
# http://127.0.0.1:8000 . Ctrl-C stops it. Run it again for a fresh demo.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_venv
mkdir -p var
export DJANGO_SETTINGS_MODULE=vpp.settings.development
export DATABASE_URL="sqlite:///$ROOT/var/demo.sqlite3"
export MARKET_CLOCK=simulation
export VPP_TASKS_IN_PROCESS=1
export DEBUG=1
rm -f var/demo.sqlite3
log "building the demo database"
"$PY" manage.py migrate --verbosity 0
"$PY" manage.py demo_setup
log "backtest: the month before the demo day, with and without flexibility"
"$PY" manage.py backtest --days 30
log "forecast backtest: the 14 days before the demo day, rolling origin, against the naive prices"
"$PY" manage.py forecast_backtest --days 14
log "serving on http://127.0.0.1:${PORT:-8000}/  (Ctrl-C to stop)"
exec "$PY" manage.py runserver "127.0.0.1:${PORT:-8000}" --noreload
