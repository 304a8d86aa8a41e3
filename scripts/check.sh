#!/usr/bin/env bash
# Static checks CI runs before the tests: lint, format, the import rules, migrations in step
# with the models.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_venv dev
log "ruff check";  "$VENV/bin/ruff" check .
log "ruff format --check"; "$VENV/bin/ruff" format --check .
log "import rules (lint-imports, contracts in pyproject.toml)"
(cd "$ROOT" && PYTHONPATH="$ROOT" "$VENV/bin/lint-imports" --no-cache)
mkdir -p "$ROOT/var"
log "makemigrations --check"
DJANGO_SETTINGS_MODULE=vpp.settings.base DATABASE_URL="sqlite:///$ROOT/var/check.sqlite3" \
  "$PY" manage.py makemigrations --check --dry-run
