"""Working days for building a dataset's history fast: a precomputed list of days and bisection.

The seed needs millions of deadlines. It counts them the way the app does (the end of working hours of
the n-th working day after the day a clock starts, docs/deadlines.md) over the official schedule of
``chinese_calendar``; a year the library does not cover yet counts Monday to Friday and its deadlines
are marked provisional. It reads none of the app's calendar code, which other work is free to move.
"""

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY_STARTS = time(8, 30)
DAY_ENDS = time(17, 30)
WORKING_MINUTES = 9 * 60


class Workdays:
    """Working days between ``first`` and ``last`` (inclusive), in Shanghai."""

    def __init__(self, first: date, last: date) -> None:
        self.estimated_years: set[int] = set()
        days = []
        day = first
        while day <= last:
            try:
                worked = chinese_calendar.is_workday(day)
            except NotImplementedError:
                worked = day.weekday() < 5
                self.estimated_years.add(day.year)
            if worked:
                days.append(day)
            day += timedelta(days=1)
        self.days = days

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(SHANGHAI).date()

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=SHANGHAI)

    def due(self, moment: datetime, workdays: int) -> datetime:
        """The end of working hours on the ``workdays``-th working day after the day of ``moment``."""
        position = bisect_right(self.days, self.local_date(moment))
        return self.at(self.days[position + workdays - 1], DAY_ENDS)

    def provisional(self, start: datetime, due: datetime) -> bool:
        """Counted over a year without an official schedule."""
        return any(year in self.estimated_years for year in range(start.year, due.year + 1))

    def between(self, a: datetime, b: datetime) -> int:
        """Working days ``d`` with ``a``'s date < ``d`` <= ``b``'s date: "late by N working days"."""
        if b <= a:
            return 0
        return bisect_right(self.days, self.local_date(b)) - bisect_right(self.days, self.local_date(a))

    def day_back(self, moment: datetime, count: int) -> date:
        """The ``count``-th working day before the day of ``moment``; 0 is that day itself."""
        day = self.local_date(moment)
        if count == 0:
            return day
        return self.days[bisect_left(self.days, day) - count]

    def day_after(self, moment: datetime, count: int) -> date:
        """The ``count``-th working day after the day of ``moment``."""
        return self.days[bisect_right(self.days, self.local_date(moment)) + count - 1]

    def morning_of(self, day: date) -> datetime:
        return self.at(day, DAY_STARTS)

    def morning_before(self, moment: datetime) -> datetime:
        """The start of the working day before the day of ``moment``."""
        return self.morning_of(self.day_back(moment, 1))

    def working_moment(self, day: date, rng: Random) -> datetime:
        return self.at(day, DAY_STARTS) + timedelta(minutes=rng.randrange(WORKING_MINUTES))

    def before(self, moment: datetime, workdays_back: int, rng: Random) -> datetime:
        """A working moment ``workdays_back`` working days before ``moment`` (0: earlier the same day)."""
        candidate = self.working_moment(self.day_back(moment, workdays_back), rng)
        if candidate >= moment:
            candidate = moment - timedelta(minutes=rng.randint(3, 90))
        return candidate

    def soon_after(self, moment: datetime, limit: datetime, rng: Random) -> datetime:
        """A moment between ``moment`` and ``limit``, nearer the start: signing for, a first reply."""
        span = (limit - moment).total_seconds()
        return moment + timedelta(seconds=span * rng.random() ** 3 * 0.6 + 1)
