"""Warn at start-up when the font that circular PDFs embed is missing, not only when someone exports one."""

from collections.abc import Sequence
from pathlib import Path

from django.apps import AppConfig
from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning
from django.utils.translation import gettext_lazy as _

from .exports import font_settings


@register()
def check_circular_pdf_font(app_configs: Sequence[AppConfig] | None, **kwargs: object) -> list[CheckMessage]:
    if app_configs is not None and not any(config.name == "supervision" for config in app_configs):
        return []
    path, _index = font_settings()
    if Path(path).is_file():
        return []
    return [
        CheckWarning(
            _("The Chinese font for circular PDFs is missing: %(path)s.") % {"path": path},
            hint=str(_("Install fonts-wqy-zenhei (make install does) or set HUIYIN_CIRCULAR_PDF_FONT.")),
            id="supervision.W001",
        )
    ]
