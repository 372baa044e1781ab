"""Refuse a case-number prefix that would make numbers ambiguous, before ``migrate`` and the servers start."""

from django.conf import settings
from django.core.checks import CheckMessage, register
from django.core.checks import Error as CheckError
from django.utils.translation import gettext as _

from .models import CASE_NUMBER_PREFIX_SHAPE


@register()
def case_number_prefix_errors(app_configs, **kwargs) -> list[CheckMessage]:
    """A case number is ``prefix-year-serial``: a dash in the prefix would make its parts ambiguous, and the
    search finds a whole number by where its dashes stand (``whole_case_number_q``)."""
    prefix = settings.HUIYIN["CASE_NUMBER_PREFIX"]
    if CASE_NUMBER_PREFIX_SHAPE.fullmatch(prefix):
        return []
    return [
        CheckError(
            _('The case number prefix "%(prefix)s" may hold only letters and digits.') % {"prefix": prefix},
            hint=_("Set HUIYIN_CASE_NUMBER_PREFIX to letters or digits, as QY."),
            id="cases.E001",
        )
    ]
