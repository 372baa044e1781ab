"""The days off a year will have by law, estimated before the State Council publishes its schedule.

《全国年节及纪念日放假办法》, as amended in 2024 and in force from 2025, gives every
citizen seven holidays: 元旦 (1 January), 春节 (除夕 to 初三 of the lunar calendar,
four days), 清明 (the day of the solar term), 劳动节 (1–2 May), 端午 (lunar 5/5),
中秋 (lunar 8/15) and 国庆节 (1–3 October). A statutory day that falls on a
Saturday or a Sunday is given back on a working day (补假); the estimate takes
the first weekday after the holiday that is not off already. A statutory day
shared by two holidays (中秋 on 1–3 October, as in 2028) is given back the same
way, as the State Council did when they met in 2020.

What the yearly notice adds cannot be known in advance: bridge days off, and the
weekend days worked in exchange (调休). The estimate has neither, so a year
counted by it stays provisional until its official schedule is imported.

Pure: no database, no settings. Lunar dates and the solar term come from
``tyme4py`` (docs/deadlines.md says why).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from chinese_calendar.constants import Holiday
from tyme4py.lunar import LunarDay
from tyme4py.solar import SolarDay, SolarTerm

# The first year under the 2024 amendment (a four-day 春节, a two-day 劳动节); earlier years had other rules.
FIRST_YEAR = 2025
# The last year tyme4py's lunar calendar reaches.
LAST_YEAR = 9999

_SATURDAY = 5


@dataclass(frozen=True)
class EstimatedDayOff:
    """The holiday an estimated day off belongs to, and whether it is a weekday given back (补假)."""

    name: str
    in_lieu: bool


def _gregorian(solar_day: SolarDay) -> date:
    return date(solar_day.get_year(), solar_day.get_month(), solar_day.get_day())


def _lunar(year: int, month: int, day: int) -> date:
    return _gregorian(LunarDay.from_ymd(year, month, day).get_solar_day())


def _span(first: date, days: int) -> list[date]:
    return [first + timedelta(days=offset) for offset in range(days)]


def statutory_holidays(year: int) -> list[tuple[str, list[date]]]:
    """Each holiday of ``year`` with its statutory days, in calendar order; names as chinese_calendar gives them."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"The statutory estimate covers {FIRST_YEAR}–{LAST_YEAR}, not {year}.")
    # 除夕 is the day before 正月初一, whether the twelfth month has 29 or 30 days.
    new_years_eve = _lunar(year, 1, 1) - timedelta(days=1)
    holidays = [
        (Holiday.new_years_day.chinese, [date(year, 1, 1)]),
        (Holiday.spring_festival.chinese, _span(new_years_eve, 4)),
        (Holiday.tomb_sweeping_day.chinese, [_gregorian(SolarTerm.from_name(year, "清明").get_solar_day())]),
        (Holiday.labour_day.chinese, _span(date(year, 5, 1), 2)),
        (Holiday.dragon_boat_festival.chinese, [_lunar(year, 5, 5)]),
        (Holiday.mid_autumn_festival.chinese, [_lunar(year, 8, 15)]),
        (Holiday.national_day.chinese, _span(date(year, 10, 1), 3)),
    ]
    return sorted(holidays, key=lambda holiday: holiday[1][0])


@lru_cache(maxsize=64)
def estimated_days_off(year: int) -> Mapping[date, EstimatedDayOff]:
    """Every day off of ``year`` by law: the statutory days, and the weekdays given back for some of them.

    Cached: a year's estimate never changes, and the calendar asks about the same days again and again.
    """
    days_off: dict[date, EstimatedDayOff] = {}
    owed: list[tuple[str, date]] = []  # (holiday, its last day) for each statutory day to give back
    for name, days in statutory_holidays(year):
        for day in days:
            shared = days_off.get(day)
            if shared is not None:
                days_off[day] = EstimatedDayOff(f"{shared.name}、{name}", in_lieu=False)
                owed.append((name, days[-1]))
                continue
            days_off[day] = EstimatedDayOff(name, in_lieu=False)
            if day.weekday() >= _SATURDAY:
                owed.append((name, days[-1]))
    # Statutory days are all placed first, so a day given back never lands on a later holiday.
    for name, last_day in sorted(owed, key=lambda item: item[1]):
        day = last_day + timedelta(days=1)
        while day.weekday() >= _SATURDAY or day in days_off:
            day += timedelta(days=1)
        days_off[day] = EstimatedDayOff(name, in_lieu=True)
    return MappingProxyType(dict(sorted(days_off.items())))
