"""WSGI entry point used by `shaobao serve` (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shaobao.config.settings")
application = get_wsgi_application()
