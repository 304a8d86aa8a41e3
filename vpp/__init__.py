"""The Django project and the shared primitives every app uses."""

from .celery import app as celery_app

__all__ = ["celery_app"]
