from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """What running Huiyin needs and no case does: when each periodic job last ran, whether the stored files
    the database names are all there. It imports no domain app."""

    name = "ops"
    verbose_name = _("Operations")
