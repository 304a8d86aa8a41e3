"""WSGI entry point (gunicorn vpp.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpp.settings.production")
application = get_wsgi_application()
