import os

from django.core.asgi import get_asgi_application

from config.process import settle_web_process

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_asgi_application()
settle_web_process()
