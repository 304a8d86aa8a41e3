"""The deployment files agree with the code: compose runs every part, production has no
default secret, the worker listens on every queue the routes use."""

import os
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_whole_stack_and_the_worker_takes_every_queue():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    worker_cmd = compose["services"]["worker"]["command"]
    queues = worker_cmd.split("-Q ")[1].split()[0].split(",")
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {"default"} <= set(queues)


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="vpp.settings.production", ALLOWED_HOSTS="x")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_every_entry_point_defaults_to_production_settings():
    """manage.py, wsgi, celery and the image: production unless told otherwise (on main they
    defaulted to settings with DEBUG on and a public secret key)."""
    for path in ("manage.py", "vpp/wsgi.py", "vpp/celery.py"):
        text = (ROOT / path).read_text()
        assert 'setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.production")' in text, path
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "DJANGO_SETTINGS_MODULE=vpp.settings.production" in dockerfile
    assert "\nUSER " in dockerfile  # not root
    assert "vpp.settings.development" in (ROOT / "scripts" / "demo.sh").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["x-app"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "vpp.settings.production" and "SECRET_KEY" in env


def test_the_image_leaves_secrets_state_and_history_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "var/", ".git/", ".venv/", "test-artifacts/"):
        assert entry in ignored, entry


def test_base_settings_have_no_secret_and_debug_off():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="vpp.settings.base")
    setup = [sys.executable, "-c", "import django; django.setup()"]
    refused = subprocess.run(setup, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    code = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG)"
    env.update(DJANGO_SETTINGS_MODULE="vpp.settings.development")
    dev = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert dev.stdout.strip() == "True"
    env.update(
        DJANGO_SETTINGS_MODULE="vpp.settings.production",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="x",
        DATABASE_URL="postgres://u:p@db/x",
    )
    code += "; print(s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    prod = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert prod.stdout.split() == ["False", "True"]
