"""A PostgreSQL restart gives no 500 afterwards.

The app runs as in production (``vpp.settings.production``, gunicorn, 2 workers, persistent
connections ``CONN_MAX_AGE=60``) against a PostgreSQL cluster this test makes itself (``initdb``
into a temporary directory with the machine's binaries, its own port), so the shared server is
never touched. After a fast restart of that cluster every worker still holds a connection to the
dead server: with ``CONN_HEALTH_CHECKS`` each is checked before reuse and replaced; on main one
request in eight answered 500.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str) -> list[str]:
    # initdb and postgres refuse to run as root; the machine's postgres account runs them.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


class Cluster:
    def __init__(self, base: Path):
        self.bin = Path(BINARIES[-1]).parent
        self.dir = base / "pgdata"
        self.port = _free_port()
        base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
        subprocess.run(
            _as_postgres(
                str(self.bin / "initdb"),
                "-D",
                str(self.dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ),
            check=True,
            capture_output=True,
        )
        self.log = base / "pg.log"

    def ctl(self, *args: str) -> None:
        opts = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1"
        subprocess.run(
            _as_postgres(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.dir),
                "-o",
                opts,
                "-l",
                str(self.log),
                "-w",
                *args,
            ),
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def _get(url: str, headers=None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.skipif(not BINARIES, reason="no PostgreSQL binaries under /usr/lib/postgresql")
def test_a_postgres_restart_gives_no_500_afterwards(tmp_path):
    # Outside pytest's private temp tree: the postgres account must reach its data directory.
    own = Path(tempfile.mkdtemp(prefix="vpp-pg-"))
    cluster = Cluster(own)
    cluster.ctl("start")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO")},
        "DJANGO_SETTINGS_MODULE": "vpp.settings.production",
        "SECRET_KEY": "restart-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": cluster.url,
        "SECURE_SSL_REDIRECT": "false",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    server = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        script = (
            "from vpp.models import User; from vpp.tokens import token_create; "
            "u = User.objects.create_superuser('admin', 'a@example.com', 'x', role='admin'); "
            "print(token_create(user=u)[1])"
        )
        token = (
            subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", script],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "vpp.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(tmp_path / "gunicorn.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/api/me/", headers) == 200:
                    break
            except OSError:
                time.sleep(0.3)
        # Warm both workers' persistent connections.
        before = [_get(f"{base}/api/me/", headers) for _ in range(16)]
        assert before == [200] * 16, before
        cluster.ctl("restart", "-m", "fast")
        after = [_get(f"{base}/api/me/", headers) for _ in range(16)]
        assert after == [200] * 16, (after, (tmp_path / "gunicorn.log").read_text()[-3000:])
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        cluster.ctl("stop", "-m", "immediate")
        shutil.rmtree(own, ignore_errors=True)
