"""The statutory estimate of a year without a published schedule, without the database.

Expected days are worked out by hand from 《全国年节及纪念日放假办法》 (2024
amendment) and a lunar calendar, never from the code under test; the official
schedules of 2025 and 2026 come from chinese_calendar, typed from the notices.
"""

from datetime import date, timedelta

import pytest

from workflow.statutory import estimated_days_off, statutory_holidays
from workflow.workdays import WorkCalendar


def off(year: int) -> dict[date, tuple[str, bool]]:
    return {day: (rule.name, rule.in_lieu) for day, rule in estimated_days_off(year).items()}


def test_it_estimates_the_days_off_of_2027():
    assert off(2027) == {
        date(2027, 1, 1): ("元旦", False),  # Friday
        # 除夕 Friday 5 February to 初三 Monday 8 February; Saturday and Sunday are given back on Tuesday and Wednesday.
        date(2027, 2, 5): ("春节", False),
        date(2027, 2, 6): ("春节", False),
        date(2027, 2, 7): ("春节", False),
        date(2027, 2, 8): ("春节", False),
        date(2027, 2, 9): ("春节", True),
        date(2027, 2, 10): ("春节", True),
        date(2027, 4, 5): ("清明", False),  # Monday
        # Saturday 1 and Sunday 2 May, given back on Monday 3 and Tuesday 4.
        date(2027, 5, 1): ("劳动节", False),
        date(2027, 5, 2): ("劳动节", False),
        date(2027, 5, 3): ("劳动节", True),
        date(2027, 5, 4): ("劳动节", True),
        date(2027, 6, 9): ("端午", False),  # Wednesday, lunar 5/5
        date(2027, 9, 15): ("中秋", False),  # Wednesday, lunar 8/15
        # Friday 1 to Sunday 3 October, the weekend given back on Monday 4 and Tuesday 5.
        date(2027, 10, 1): ("国庆节", False),
        date(2027, 10, 2): ("国庆节", False),
        date(2027, 10, 3): ("国庆节", False),
        date(2027, 10, 4): ("国庆节", True),
        date(2027, 10, 5): ("国庆节", True),
    }


def test_it_starts_the_spring_festival_on_the_29th_of_the_twelfth_month_when_that_month_is_short():
    # The lunar year 2024 ended on 腊月廿九 (28 January 2025): that day is 除夕.
    assert dict(statutory_holidays(2025))["春节"] == [date(2025, 1, 28) + timedelta(days=n) for n in range(4)]


def test_it_gives_a_weekend_day_back_on_the_next_weekday_that_is_not_off():
    # 2028: 元旦 is a Saturday, given back on Monday 3 January.
    assert off(2028)[date(2028, 1, 3)] == ("元旦", True)
    assert date(2028, 1, 2) not in off(2028)


def test_it_gives_back_a_day_that_two_holidays_share():
    # 2028: 中秋 falls on 3 October, a day of 国庆节, and 1 October is a Sunday: two days are given back.
    days = off(2028)
    assert days[date(2028, 10, 3)] == ("国庆节、中秋", False)
    assert {day: days[day] for day in (date(2028, 10, 4), date(2028, 10, 5))} == {
        date(2028, 10, 4): ("国庆节", True),
        date(2028, 10, 5): ("中秋", True),
    }
    assert date(2028, 10, 6) not in days


@pytest.mark.parametrize("year", [2025, 2026])
def test_it_never_estimates_a_day_off_that_the_official_schedule_works(year):
    official = WorkCalendar()  # 2025 and 2026 are published in chinese_calendar
    assert official.is_official(date(year, 1, 1))
    worked = [day for day in estimated_days_off(year) if official.is_workday(day)]
    assert worked == []
    assert len(estimated_days_off(year)) >= 13  # 13 statutory days, and more when some fall on a weekend


@pytest.mark.parametrize(
    ("year", "bridge_days", "make_up_days"),
    [
        (
            2025,
            ["2025-02-03", "2025-02-04", "2025-05-05", "2025-10-07", "2025-10-08"],
            ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
        ),
        (
            2026,
            ["2026-01-02", "2026-02-20", "2026-02-23", "2026-05-05", "2026-10-06", "2026-10-07"],
            ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
        ),
    ],
)
def test_it_lacks_only_the_bridge_days_and_their_make_up_days(year, bridge_days, make_up_days):
    """What the notice adds to the law: weekdays off paid back by weekend days worked, as many of each."""
    official, estimated = WorkCalendar(), estimated_days_off(year)
    weekdays = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    assert [
        f"{day}" for day in weekdays if day.weekday() < 5 and not official.is_workday(day) and day not in estimated
    ] == bridge_days
    assert [f"{day}" for day in weekdays if day.weekday() >= 5 and official.is_workday(day)] == make_up_days


@pytest.mark.parametrize("year", [2024, 10000])
def test_it_refuses_a_year_the_law_in_force_does_not_cover(year):
    with pytest.raises(ValueError, match="covers 2025–9999"):
        statutory_holidays(year)
