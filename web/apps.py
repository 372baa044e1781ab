from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """The browser pages: the top layer, which reads and writes only through the other apps' selectors and services."""

    name = "web"
    verbose_name = _("Web pages")
