"""Warn while a year that new deadlines can reach has no official holiday schedule.

The State Council publishes next year's schedule in the autumn and
chinese_calendar ships it later, so from September on, deadlines may already
be counted over the new year's estimated statutory holidays, without its
make-up working days, until someone imports it.
"""

from collections.abc import Sequence
from datetime import date, timedelta

from django.apps import AppConfig
from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning
from django.db.utils import OperationalError, ProgrammingError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CalendarYear
from .selectors import work_calendar
from .workdays import SHANGHAI

# Farther than the longest deadline counted in working days, so the warning comes
# while there is still time to import the schedule.
HORIZON = timedelta(days=120)


def missing_schedule_warnings(today: date | None = None) -> list[CheckMessage]:
    """One warning per year between today and today + ``HORIZON`` (Asia/Shanghai) without an official schedule."""
    today = today or timezone.localdate(timezone=SHANGHAI)
    return [
        CheckWarning(
            _(
                "No official holiday schedule for %(year)s: deadlines reaching into it are provisional "
                "(statutory holidays estimated, no make-up working days)."
            )
            % {"year": year},
            hint=_(
                "Compare manage.py working_days %(year)s with the State Council's notice, then import the notice "
                "with manage.py import_holidays FILE.csv --year %(year)s."
            )
            % {"year": year},
            obj=CalendarYear,
            id="workflow.W001",
        )
        for year in work_calendar().uncovered_years(today, today + HORIZON)
    ]


@register()
def check_holiday_schedules(app_configs: Sequence[AppConfig] | None, **kwargs: object) -> list[CheckMessage]:
    if app_configs is not None and not any(config.name == "workflow" for config in app_configs):
        return []
    try:
        return missing_schedule_warnings()
    except (OperationalError, ProgrammingError):
        # Before ``migrate`` has created the calendar tables there is nothing to check.
        return []
