"""Test settings: real PostgreSQL and Redis from the environment, never eager tasks."""

import os

# Tests need no real secret; filled in before base reads the environment.
os.environ.setdefault("SECRET_KEY", "test-only-insecure-key")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/vpp"),
}
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_vpp")}
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MARKET_CLOCK = "simulation"
STORAGES = {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served by the finders in tests; whitenoise wants a collected STATIC_ROOT.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
