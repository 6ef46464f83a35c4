import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "machi.settings")
application = get_wsgi_application()
# What start-up made (modules, settings, URL patterns, templates' loaders) lives as long as the
# process: frozen, the collector's full passes skip it, and a request no longer waits ~100 ms for
# one now and then (bench/availability.py saw it in the p99).
gc.freeze()
