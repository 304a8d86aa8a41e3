"""Development and the demo (``scripts/demo.sh`` names this module): DEBUG on, a SQLite file
under ``var/``, and a secret that is fine only on one's own machine. Never deployed:
``manage.py``, ``wsgi.py``, ``celery.py`` and the image default to ``production``."""

import os

# Filled in before base reads the environment; a real environment value still wins.
os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-never-deploy")
os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402, F403
