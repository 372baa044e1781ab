"""How the overdue backlog moved week by week, for the rankings page's line chart.

A week's figure is the number of resolution clocks running past their due time
at the end of that week (Sunday midnight, Beijing time; for the current week,
now) — the rankings' "overdue now" taken at each week's end, so the last point
equals that figure. Clocks are counted against their unit, like every figure
of docs/rates.md, and all weeks of all units come from one aggregate query.

Counting them reads every resolution clock running or ended in the twelve weeks: a quarter of a
second at a province's million cases. The rankings page reads them, as it reads its table, from a
snapshot of every unit's weeks taken by the same beat (``RatesSnapshot``, ``TREND``) when one is recent.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q

from workflow.models import ClockKind, DeadlineCycle
from workflow.selectors import clock_late_at_q
from workflow.workdays import SHANGHAI

from .selectors import recent_snapshot, snapshot_keep, snapshot_max_age

WEEKS_SHOWN = 12
# The snapshot of the trend: one per installation, its counts [[unit_id], {"<Monday>": late}] per unit.
TREND = "trend"


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


def overdue_by_week(*, now: datetime, scope: frozenset[int] | None, recent: bool = False) -> list[WeekPoint]:
    """The overdue backlog at the end of each of the last ``WEEKS_SHOWN`` weeks, in units of ``scope`` (None: all).

    ``recent``: the trend snapshot will do if it was taken up to ``HUIYIN["RATES_SNAPSHOT_MINUTES"]`` ago in this
    week (the current week's point is then as of when it was taken); otherwise every unit is counted now and the
    count kept as the snapshot. Without it, the weeks are counted at ``now`` for ``scope`` alone.
    """
    ends = _week_ends(now, WEEKS_SHOWN)
    snapshots = recent and snapshot_max_age() > timedelta(0)
    kept = _kept_trend(now, ends) if snapshots else None
    if kept is not None:
        by_unit, counted_at = kept
    else:
        by_unit, counted_at = late_by_unit(ends, scope=None if snapshots else scope), now
        if snapshots:
            trend_store(now=now, by_unit=by_unit)
    return [
        WeekPoint(
            monday=monday,
            counted_at=counted_at if index == len(ends) - 1 else moment,
            overdue=sum(late[index] for unit_id, late in by_unit.items() if scope is None or unit_id in scope),
        )
        for index, (monday, moment) in enumerate(ends)
    ]


def late_by_unit(ends: list[tuple[date, datetime]], *, scope: frozenset[int] | None) -> dict[int | None, list[int]]:
    """Each unit's clocks running late at each of ``ends``, in one grouped query."""
    first, last = ends[0][1], ends[-1][1]
    clocks = DeadlineCycle.objects.filter(kind=ClockKind.RESOLUTION, due_at__lt=last).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=first)
    )
    if scope is not None:
        clocks = clocks.filter(unit_id__in=scope)
    weeks = {f"week_{index}": Count("pk", filter=clock_late_at_q(moment)) for index, (_, moment) in enumerate(ends)}
    rows = clocks.order_by().values("unit_id").annotate(**weeks).values_list("unit_id", *weeks)
    return {unit_id: list(late) for unit_id, *late in rows}


def trend_take(*, now: datetime) -> None:
    """Count every unit's weeks as of ``now`` and keep them as the trend snapshot (the rankings' beat)."""
    trend_store(now=now, by_unit=late_by_unit(_week_ends(now, WEEKS_SHOWN), scope=None))


def trend_store(*, now: datetime, by_unit: dict[int | None, list[int]]) -> None:
    mondays = [monday.isoformat() for monday, _ in _week_ends(now, WEEKS_SHOWN)]
    counts = [[[unit_id], dict(zip(mondays, late, strict=True))] for unit_id, late in by_unit.items()]
    snapshot_keep(label=TREND, by="unit", now=now, definitions="", counts=counts)


def _kept_trend(
    now: datetime, ends: list[tuple[date, datetime]]
) -> tuple[dict[int | None, list[int]], datetime] | None:
    """Every unit's weeks from the trend snapshot, if it is recent, taken in this week and not after ``now``."""
    snapshot = recent_snapshot(label=TREND, by="unit", now=now, definitions="")
    if snapshot is None or _week_ends(snapshot.counted_at, 1)[0][0] != ends[-1][0]:
        return None
    mondays = [monday.isoformat() for monday, _ in ends]
    return {
        unit_id: [weeks[monday] for monday in mondays] for (unit_id,), weeks in snapshot.counts
    }, snapshot.counted_at
