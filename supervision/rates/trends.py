"""How the overdue backlog moved week by week, for the rankings page's line chart.

A week's figure is the number of resolution clocks running past their due time
at the end of that week (Sunday midnight, Beijing time; for the current week,
now) — the rankings' "overdue now" taken at each week's end, so the last point
equals that figure. Clocks are counted against their unit, like every figure
of docs/rates.md, and all weeks come from one aggregate query.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q

from workflow.models import ClockKind, DeadlineCycle
from workflow.selectors import clock_late_at_q
from workflow.workdays import SHANGHAI

WEEKS_SHOWN = 12


@dataclass(frozen=True)
class WeekPoint:
    monday: date
    counted_at: datetime
    overdue: int


def _week_ends(now: datetime, weeks: int) -> list[tuple[date, datetime]]:
    """(Monday, moment counted at) of the last ``weeks`` weeks, oldest first; the current week counts at now."""
    this_monday = now.astimezone(SHANGHAI).date() - timedelta(days=now.astimezone(SHANGHAI).weekday())
    mondays = [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    return [
        (monday, now if monday == this_monday else datetime.combine(monday + timedelta(days=7), time.min, SHANGHAI))
        for monday in mondays
    ]


def overdue_by_week(*, now: datetime, scope: frozenset[int] | None, weeks: int = WEEKS_SHOWN) -> list[WeekPoint]:
    """The overdue backlog at the end of each of the last ``weeks`` weeks, in units of ``scope`` (None: all)."""
    ends = _week_ends(now, weeks)
    first, last = ends[0][1], ends[-1][1]
    clocks = DeadlineCycle.objects.filter(kind=ClockKind.RESOLUTION, due_at__lt=last).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=first)
    )
    if scope is not None:
        clocks = clocks.filter(unit_id__in=scope)
    counts = clocks.aggregate(
        **{f"week_{index}": Count("pk", filter=clock_late_at_q(moment)) for index, (_monday, moment) in enumerate(ends)}
    )
    return [
        WeekPoint(monday=monday, counted_at=moment, overdue=counts[f"week_{index}"])
        for index, (monday, moment) in enumerate(ends)
    ]
