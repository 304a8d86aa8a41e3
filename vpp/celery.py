"""The Celery app. Queues, routes, retries, time limits and the beat schedule are set in
settings (``CELERY_*``), in code, in one place."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.production")

app = Celery("vpp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "market", "dispatch", "settlement")]
app.autodiscover_tasks()
