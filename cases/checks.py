"""Refuse a case-number prefix that would make numbers ambiguous, before ``migrate`` and the servers start."""

import re

from django.conf import settings
from django.core.checks import CheckMessage, register
from django.core.checks import Error as CheckError
from django.utils.translation import gettext as _


@register()
def case_number_prefix_errors(app_configs, **kwargs) -> list[CheckMessage]:
    """A case number is ``prefix-year-serial``: a dash in the prefix would make its parts ambiguous, and the
    search finds a whole number by where its dashes stand (``workflow.filters``)."""
    prefix = settings.HUIYIN["CASE_NUMBER_PREFIX"]
    if re.fullmatch(r"[^\W_]+", prefix):
        return []
    return [
        CheckError(
            _('The case number prefix "%(prefix)s" may hold only letters and digits.') % {"prefix": prefix},
            hint=_("Set HUIYIN_CASE_NUMBER_PREFIX to letters or digits, as QY."),
            id="cases.E001",
        )
    ]
