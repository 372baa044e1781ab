"""The rankings' snapshots, taken before anyone asks: the periods supervisors read most, for everyone at once; and
with them the common problems page's top lists of those periods (``common_problems.selectors``)."""

from datetime import datetime, timedelta

from django.db import transaction

from ..common_problems.selectors import top_counts_take
from .periods import Period, period_of_month, period_parse
from .selectors import By, snapshot_store, table_counts
from .trends import trend_take


def periods_read_most(now: datetime) -> list[Period]:
    """This month and the last, this quarter and this year: what the rankings open on and the circular reads."""
    this_month = period_of_month(now)
    last_month = period_of_month(this_month.start - timedelta(days=1))
    year, month = this_month.start.year, this_month.start.month
    return [this_month, last_month, period_parse(f"{year}-Q{(month - 1) // 3 + 1}"), period_parse(str(year))]


def rates_snapshots_take(*, now: datetime) -> int:
    """Count every figure of every unit and cadre for the periods read most, the categories and townships with most
    cases in them, and every unit's overdue trend, as of ``now``; returns how many snapshots were taken. Each is
    replaced in its own transaction, so a reader never sees half of one."""
    taken = 0
    for period in periods_read_most(now):
        for by in By:
            counted = table_counts(period=period, now=now, by=by, scope=None)
            with transaction.atomic():
                snapshot_store(period=period, by=by, now=now, counted=counted)
            taken += 1
        with transaction.atomic():
            top_counts_take(period=period, now=now)
        taken += 1
    with transaction.atomic():
        trend_take(now=now)
    return taken + 1
