"""WSGI entry point (gunicorn vpp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.base")
application = get_wsgi_application()
