# Shared helpers of the two commands. Sourced, not run.
# Everything a fresh machine lacks is installed here: the venv, and (tests) PostgreSQL and Redis.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # browser tests use Debian's chromium, never a download

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

ensure_venv() {  # ensure_venv [extra]  -- installs the project (and extras) when pyproject changed
  local extra="${1:-}"
  if [ ! -x "$PY" ]; then
    log "creating the virtual environment in .venv"
    python3 -m venv "$VENV"
    "$PY" -m pip install -q --upgrade pip
  fi
  local stamp="$VENV/.installed-$(sha1sum "$ROOT/pyproject.toml" | cut -c1-12)-${extra:-base}"
  if [ ! -f "$stamp" ]; then
    log "installing Python packages${extra:+ (with $extra extras)}"
    local target="$ROOT"
    [ -n "$extra" ] && target="$ROOT[$extra]"
    "$PY" -m pip install -q -e "$target"
    touch "$stamp"
  fi
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  log "installing $* with apt-get"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
  # A fresh Debian install asks for a password over TCP: give postgres the one the tests use.
  as_root su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/vpp-redis.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
}

ensure_chromium() {  # the browser tests drive Debian's Chromium; Playwright never downloads one
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if command -v chromium >/dev/null 2>&1; then return; fi
  apt_install chromium
}
