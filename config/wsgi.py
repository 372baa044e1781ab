import os

from django.core.wsgi import get_wsgi_application

from config.process import settle_web_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()
settle_web_process()
