"""The periods figures are counted over: a month, quarter or year in Asia/Shanghai, as a half-open interval."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput

# Years the system can have figures for: from the first Huiyin could hold to far past any plan.
PERIOD_PATTERN = re.compile(r"(?P<year>2\d{3})(?:-(?:Q(?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?")


@dataclass(frozen=True)
class Period:
    """A month, quarter or year in Asia/Shanghai, as the half-open interval [start, end)."""

    label: str
    start: datetime
    end: datetime


def _local_start(year: int, month: int) -> datetime:
    if month > 12:
        year, month = year + 1, month - 12
    return datetime(year, month, 1, tzinfo=timezone.get_default_timezone())


def period_parse(text: str) -> Period:
    """Parse "2026-11", "2026-Q4" or "2026"; anything else is refused with a message for the person."""
    match = PERIOD_PATTERN.fullmatch((text or "").strip().upper())
    if match is None:
        message = _('Give the period as a month ("2026-11"), a quarter ("2026-Q4") or a year ("2026").')
        raise InvalidInput(message, code="period", fields={"period": [message]})
    year = int(match["year"])
    if match["month"]:
        first, months = int(match["month"]), 1
    elif match["quarter"]:
        first, months = 3 * int(match["quarter"]) - 2, 3
    else:
        first, months = 1, 12
    return Period(label=match.group(0), start=_local_start(year, first), end=_local_start(year, first + months))


def period_of_month(moment: datetime) -> Period:
    local = timezone.localtime(moment)
    return period_parse(f"{local.year}-{local.month:02d}")


def within(column: str, period: Period) -> Q:
    return Q(**{f"{column}__gte": period.start, f"{column}__lt": period.end})
