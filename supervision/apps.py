from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and assessment")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the PDF font check)
