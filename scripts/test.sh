#!/usr/bin/env bash
# The test command: the whole suite against real PostgreSQL and Redis (started, or installed
# with apt-get, when absent), with a real Celery worker for the task-flow tests.
# Extra arguments go to pytest, e.g.  scripts/test.sh tests/sites -k envelope
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_venv dev
ensure_postgres
ensure_redis
ensure_chromium
mkdir -p var test-artifacts
export DJANGO_SETTINGS_MODULE=vpp.settings.test
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/vpp}"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
log "running the tests"
"$VENV/bin/pytest" "$@"
