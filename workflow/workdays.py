"""Working days and working hours in the Chinese administrative calendar.

Deadlines are counted in working days (工作日): weekends and statutory holidays
are off, and some weekend days are make-up working days (调休). The official
schedule is published by the State Council for one year at a time, so a year
may have no data yet; its days off are then estimated from the law
(``workflow.statutory``), without the make-up days nobody can foresee, and
every deadline that touches such a year is marked provisional.

Pure functions over aware datetimes: no database, no settings. The
``workflow.selectors.work_calendar`` loader feeds in the imported schedules.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from itertools import islice
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar.constants import Holiday

from . import statutory

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A deadline is at most a few dozen working days; should overrides mark every day
# off, the search ends with an error instead of looping for ever.
MAX_SPAN_DAYS = 3660

_PERIOD = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of one working day, in local time, sorted and disjoint."""

    periods: tuple[tuple[time, time], ...]

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("Working hours need at least one period.")
        previous_end: time | None = None
        for start, end in self.periods:
            if start >= end:
                raise ValueError(f"Working period {start:%H:%M}-{end:%H:%M} does not end after it starts.")
            if previous_end is not None and start < previous_end:
                raise ValueError(f"Working period {start:%H:%M}-{end:%H:%M} overlaps or precedes the one before it.")
            previous_end = end

    @classmethod
    def parse(cls, text: str) -> "WorkingHours":
        """Read the ``HUIYIN["WORKING_HOURS"]`` form, e.g. ``"08:30-12:00,13:30-17:30"``."""
        periods = []
        for part in text.split(","):
            match = _PERIOD.match(part.strip())
            if match is None:
                raise ValueError(f"Bad working hours {text!r}: expected periods like '08:30-12:00,13:30-17:30'.")
            start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
            try:
                periods.append((time(start_h, start_m), time(end_h, end_m)))
            except ValueError as error:
                raise ValueError(f"Bad working hours {text!r}: {error}.") from error
        try:
            return cls(tuple(periods))
        except ValueError as error:
            raise ValueError(f"Bad working hours {text!r}: {error}") from error

    @property
    def end(self) -> time:
        return self.periods[-1][1]


DEFAULT_WORKING_HOURS = WorkingHours.parse("08:30-12:00,13:30-17:30")


class DaySource(StrEnum):
    """Where the rule of a day comes from, most trusted first."""

    ENTERED = "entered"  # an administrator's override: imported from the State Council notice, or a correction
    OFFICIAL = "official"  # the schedule published in chinese_calendar
    ESTIMATE = "estimate"  # the statutory holidays of a year without a schedule (workflow.statutory)
    WEEKDAY = "weekday"  # nothing known: Monday–Friday


@dataclass(frozen=True)
class DayRule:
    """Whether one date is worked, the holiday it belongs to (also for a make-up day), and who says so.

    Rules handed to the calendar from outside are overrides, hence the default source.
    """

    is_workday: bool
    name: str
    source: DaySource = DaySource.ENTERED


@dataclass(frozen=True)
class Deadline:
    """A due moment; provisional when it was computed over a year without an official schedule."""

    due_at: datetime
    provisional: bool


@lru_cache(maxsize=4096)
def _published_rule(day: date) -> DayRule | None:
    """chinese_calendar's rule for ``day``, or None for a year it has no data for.

    Cached because the library's data never changes and each of its look-ups scans its whole table.
    """
    try:
        is_day_off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    # The library names holidays in English; imported schedules use the Chinese
    # names of the State Council notice, so show those everywhere.
    return DayRule(is_workday=not is_day_off, name=Holiday(name).chinese if name else "", source=DaySource.OFFICIAL)


def _estimated_rule(day: date) -> DayRule | None:
    """The statutory estimate for ``day``, or None for a year the law in force does not cover."""
    if not statutory.FIRST_YEAR <= day.year <= statutory.LAST_YEAR:
        return None
    day_off = statutory.estimated_days_off(day.year).get(day)
    if day_off is not None:
        return DayRule(is_workday=False, name=day_off.name, source=DaySource.ESTIMATE)
    return DayRule(is_workday=day.weekday() < 5, name="", source=DaySource.ESTIMATE)


def _library_covers(year: int) -> bool:
    return _published_rule(date(year, 1, 1)) is not None


def _days_of(year: int) -> Iterator[date]:
    first = date(year, 1, 1)
    return (first + timedelta(days=offset) for offset in range(date(year, 12, 31).timetuple().tm_yday))


_NO_OVERRIDES: Mapping[date, DayRule] = MappingProxyType({})


class WorkCalendar:
    """Which days are worked and when: imported overrides, then chinese_calendar, then the statutory estimate."""

    def __init__(
        self,
        overrides: Mapping[date, DayRule] = _NO_OVERRIDES,
        official_years: Iterable[int] = (),
        hours: WorkingHours = DEFAULT_WORKING_HOURS,
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self.overrides = MappingProxyType(dict(overrides))
        self.official_years = frozenset(official_years)
        self.hours = hours
        self.tz = tz
        # Per end day, the working days among the k days up to it, k = 0, 1, ...: a list of cases late on one
        # ``now`` counts back over the same days row after row, so each is looked up once per calendar.
        self._workdays_back: dict[date, list[int]] = {}
        # Every day asked once: a list of twenty deadlines counts the same few weeks over and over.
        self._is_workday: dict[date, bool] = {}

    def day_rule(self, day: date) -> DayRule:
        """An administrator's override, else the published schedule, else the statutory estimate, else Monday–Friday.

        An imported year is never estimated: the State Council's notice lists every day off of its year,
        so a day it does not list follows Monday–Friday.
        """
        if day in self.overrides:
            return self.overrides[day]
        published = _published_rule(day)
        if published is not None:
            return published
        if day.year not in self.official_years:
            estimated = _estimated_rule(day)
            if estimated is not None:
                return estimated
        return DayRule(is_workday=day.weekday() < 5, name="", source=DaySource.WEEKDAY)

    def is_workday(self, day: date) -> bool:
        known = self._is_workday.get(day)
        if known is None:
            known = self._is_workday[day] = self.day_rule(day).is_workday
        return known

    def holiday_name(self, day: date) -> str:
        """The holiday a day belongs to, e.g. 春节 for a day off or for its make-up Saturday."""
        return self.day_rule(day).name

    def is_official(self, day: date) -> bool:
        """Whether ``day`` follows a published schedule rather than an estimate or the Monday–Friday guess."""
        return _library_covers(day.year) or day.year in self.official_years

    def uncovered_years(self, start: date, end: date) -> list[int]:
        """Years between ``start`` and ``end`` (inclusive) whose schedule is an estimate or a guess."""
        return [year for year in range(start.year, end.year + 1) if not self.is_official(date(year, 1, 1))]

    def special_days(self, year: int) -> list[tuple[date, DayRule]]:
        """The days of ``year`` that a plain Monday–Friday week does not tell: holidays and make-up working days.

        Also the weekend days of a holiday, named; never an ordinary weekend.
        """
        return [
            (day, rule)
            for day in _days_of(year)
            if (rule := self.day_rule(day)).name or rule.is_workday != (day.weekday() < 5)
        ]

    def workdays_in_year(self, year: int) -> int:
        return sum(self.is_workday(day) for day in _days_of(year))

    def add_workdays(self, moment: datetime, n: int) -> Deadline:
        """The end of working hours on the ``n``-th working day after the day of ``moment``.

        The day a case arrives never counts, whatever the hour, so "3 working days"
        from a Wednesday afternoon ends on Monday evening.
        """
        if n < 1:
            raise ValueError(f"A deadline needs at least one working day, got {n}.")
        start = self._local(moment)
        workdays = self._workdays_from(start.date() + timedelta(days=1))
        due_day = next(islice(workdays, n - 1, None))
        return self._deadline(start.date(), self._at(due_day, self.hours.end))

    def add_working_hours(self, moment: datetime, hours: float) -> Deadline:
        """The moment when ``hours`` of working time have passed after ``moment``, e.g. "within 4 working hours"."""
        if hours <= 0:
            raise ValueError(f"A deadline needs a positive number of working hours, got {hours}.")
        start = self._local(moment)
        remaining = timedelta(hours=hours)
        periods = self._working_periods_from(start)
        while True:
            begin, end = next(periods)
            # In UTC, because subtracting two times of one zone ignores a change of offset in between.
            available = end.astimezone(UTC) - begin.astimezone(UTC)
            if remaining <= available:
                return self._deadline(start.date(), (begin.astimezone(UTC) + remaining).astimezone(self.tz))
            remaining -= available

    def workdays_between(self, a: datetime, b: datetime) -> int:
        """Working days ``d`` with ``a``'s date < ``d`` <= ``b``'s date: "overdue by N working days".

        The inverse of ``add_workdays``: ``workdays_between(t, add_workdays(t, n).due_at) == n``.
        """
        a_local, b_local = self._local(a), self._local(b)
        if b_local <= a_local:
            return 0
        span = (b_local.date() - a_local.date()).days
        if span > MAX_SPAN_DAYS:
            raise ValueError(f"Cannot count working days over more than {MAX_SPAN_DAYS} days.")
        end = b_local.date()
        counted = self._workdays_back.setdefault(end, [0])
        while len(counted) <= span:
            counted.append(counted[-1] + self.is_workday(end - timedelta(days=len(counted) - 1)))
        return counted[span]

    def start_of_day(self, day: date) -> datetime:
        """When the working day ``day`` begins, e.g. 08:30 local."""
        return self._at(day, self.hours.periods[0][0])

    def previous_workday(self, day: date) -> date:
        """The last working day before ``day``."""
        for offset in range(1, MAX_SPAN_DAYS):
            candidate = day - timedelta(days=offset)
            if self.is_workday(candidate):
                return candidate
        raise ValueError(f"No working day within {MAX_SPAN_DAYS} days before {day}: check the calendar overrides.")

    def working_hours_before(self, moment: datetime, hours: float) -> datetime:
        """The moment ``hours`` of working time before ``moment``: "4 working hours before the deadline"."""
        remaining = timedelta(hours=hours)
        local = self._local(moment)
        day = local.date()
        for _ in range(MAX_SPAN_DAYS):
            if self.is_workday(day):
                for period_start, period_end in reversed(self.hours.periods):
                    begin, end = self._at(day, period_start), min(self._at(day, period_end), local)
                    if begin >= end:
                        continue
                    available = end.astimezone(UTC) - begin.astimezone(UTC)
                    if remaining <= available:
                        return (end.astimezone(UTC) - remaining).astimezone(self.tz)
                    remaining -= available
            day -= timedelta(days=1)
        raise ValueError(f"No working time within {MAX_SPAN_DAYS} days before {moment}.")

    def local_date(self, moment: datetime) -> date:
        return self._local(moment).date()

    def end_of_day(self, day: date) -> datetime:
        """When the working day ``day`` ends, e.g. 17:30 local: the due time of a deadline on that day."""
        return self._at(day, self.hours.end)

    def is_working_time(self, moment: datetime) -> bool:
        """Inside a working period of a working day; the end of a period is already after hours."""
        local = self._local(moment)
        if not self.is_workday(local.date()):
            return False
        clock = local.time()
        return any(start <= clock < end for start, end in self.hours.periods)

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` (in local time) if it is working time, else the start of the next working period."""
        begin, _ = next(self._working_periods_from(self._local(moment)))
        return begin

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"Naive datetime {moment.isoformat()}: deadlines need an aware datetime.")
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def _deadline(self, first_day: date, due_at: datetime) -> Deadline:
        return Deadline(due_at=due_at, provisional=bool(self.uncovered_years(first_day, due_at.date())))

    def _days_from(self, first: date) -> Iterator[date]:
        """``first`` and the days after it, up to ``MAX_SPAN_DAYS``; then an error, never an endless loop."""
        for offset in range(MAX_SPAN_DAYS):
            yield first + timedelta(days=offset)
        raise ValueError(f"No working time within {MAX_SPAN_DAYS} days of {first}: check the calendar overrides.")

    def _workdays_from(self, first: date) -> Iterator[date]:
        return (day for day in self._days_from(first) if self.is_workday(day))

    def _working_periods_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working periods still ahead of ``start``, the current one cut to begin at ``start``."""
        for day in self._workdays_from(start.date()):
            for period_start, period_end in self.hours.periods:
                begin, end = max(self._at(day, period_start), start), self._at(day, period_end)
                if begin < end:
                    yield begin, end
