"""Reads for the workflow: the working-day calendar as the administrators configured it."""

from django.conf import settings

from .models import CalendarDay, CalendarYear
from .workdays import DayRule, DaySource, WorkCalendar, WorkingHours


def work_calendar() -> WorkCalendar:
    """The calendar with every imported override and official year, and the configured working hours."""
    overrides = {
        day: DayRule(is_workday=is_workday, name=name, source=DaySource.ENTERED)
        for day, is_workday, name in CalendarDay.objects.values_list("date", "is_workday", "name")
    }
    official_years = CalendarYear.objects.values_list("year", flat=True)
    return WorkCalendar(
        overrides=overrides,
        official_years=official_years,
        hours=WorkingHours.parse(settings.HUIYIN["WORKING_HOURS"]),
    )


def imported_schedule(year: int) -> CalendarYear | None:
    """The record of an administrator entering ``year``'s official schedule, if anyone did."""
    return CalendarYear.objects.filter(year=year).first()
