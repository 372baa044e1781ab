"""Working-day arithmetic against the official schedules, without the database."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from workflow.workdays import SHANGHAI, DayRule, DaySource, Deadline, WorkCalendar, WorkingHours


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def days(first: str, last: str) -> set[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return {start + timedelta(days=offset) for offset in range((end - start).days + 1)}


# Typed from the notices themselves, not from chinese_calendar, so that the test
# can catch an error in the library or in how it is read.
# 国办发明电〔2024〕12号, the holidays of 2025:
HOLIDAYS_2025 = (
    days("2025-01-01", "2025-01-01")  # 元旦
    | days("2025-01-28", "2025-02-04")  # 春节
    | days("2025-04-04", "2025-04-06")  # 清明节
    | days("2025-05-01", "2025-05-05")  # 劳动节
    | days("2025-05-31", "2025-06-02")  # 端午节
    | days("2025-10-01", "2025-10-08")  # 国庆节、中秋节
)
MAKEUP_DAYS_2025 = {
    date(2025, 1, 26),  # 春节, Sunday
    date(2025, 2, 8),  # 春节, Saturday
    date(2025, 4, 27),  # 劳动节, Sunday
    date(2025, 9, 28),  # 国庆节, Sunday
    date(2025, 10, 11),  # 国庆节, Saturday
}
# 国办发明电〔2025〕7号, the holidays of 2026:
HOLIDAYS_2026 = (
    days("2026-01-01", "2026-01-03")  # 元旦
    | days("2026-02-15", "2026-02-23")  # 春节
    | days("2026-04-04", "2026-04-06")  # 清明节
    | days("2026-05-01", "2026-05-05")  # 劳动节
    | days("2026-06-19", "2026-06-21")  # 端午节
    | days("2026-09-25", "2026-09-27")  # 中秋节
    | days("2026-10-01", "2026-10-07")  # 国庆节
)
MAKEUP_DAYS_2026 = {
    date(2026, 1, 4),  # 元旦, Sunday
    date(2026, 2, 14),  # 春节, Saturday
    date(2026, 2, 28),  # 春节, Saturday
    date(2026, 5, 9),  # 劳动节, Saturday
    date(2026, 9, 20),  # 国庆节, Sunday
    date(2026, 10, 10),  # 国庆节, Saturday
}


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar()


def test_it_agrees_with_the_state_council_on_every_day_of_2025_and_2026(calendar):
    holidays, makeup_days = HOLIDAYS_2025 | HOLIDAYS_2026, MAKEUP_DAYS_2025 | MAKEUP_DAYS_2026
    all_days = days("2025-01-01", "2026-12-31")
    assert len(all_days) == 730
    wrong = [
        day
        for day in sorted(all_days)
        if calendar.is_workday(day) != (day in makeup_days or (day.weekday() < 5 and day not in holidays))
    ]
    assert wrong == []


def test_it_counts_a_makeup_saturday_as_a_working_day(calendar):
    assert date(2026, 10, 10).weekday() == 5
    assert calendar.is_workday(date(2026, 10, 10))
    assert calendar.holiday_name(date(2026, 10, 10)) == "国庆节"
    assert not calendar.is_workday(date(2026, 10, 17))


def test_it_names_holidays_and_leaves_ordinary_days_unnamed(calendar):
    assert calendar.holiday_name(date(2026, 2, 17)) == "春节"
    assert calendar.holiday_name(date(2026, 3, 10)) == ""
    assert calendar.holiday_name(date(2026, 3, 14)) == ""
    assert calendar.holiday_name(date(2027, 1, 1)) == "元旦"  # estimated
    assert calendar.holiday_name(date(2027, 1, 4)) == ""


def test_it_ends_three_working_days_from_national_day_eve_after_the_holiday(calendar):
    # Wednesday 30 September 2026, afternoon. 1–7 October are off; Thursday 8 and
    # Friday 9 are the first two working days and the make-up Saturday 10 the third.
    deadline = calendar.add_workdays(at(2026, 9, 30, 15, 0), 3)
    assert deadline == Deadline(due_at=at(2026, 10, 10, 17, 30), provisional=False)
    assert deadline.due_at.utcoffset() == timedelta(hours=8)


def test_it_never_counts_the_start_day_whatever_the_hour(calendar):
    for hour in (0, 8, 12, 17, 23):
        assert calendar.add_workdays(at(2026, 3, 10, hour), 1).due_at == at(2026, 3, 11, 17, 30)


def test_it_starts_counting_after_a_holiday_when_filed_during_it(calendar):
    assert calendar.add_workdays(at(2026, 10, 3, 10), 1).due_at == at(2026, 10, 8, 17, 30)


def test_it_takes_the_start_day_in_shanghai_time(calendar):
    # 17:00 UTC on 29 September is 01:00 on 30 September in Shanghai.
    deadline = calendar.add_workdays(datetime(2026, 9, 29, 17, 0, tzinfo=UTC), 3)
    assert deadline.due_at == at(2026, 10, 10, 17, 30)
    assert deadline.due_at.tzinfo == SHANGHAI


def test_it_marks_a_deadline_reaching_into_2027_provisional_and_counts_its_estimated_holidays(calendar):
    # Tuesday 29 December 2026. 2027 has no published schedule, so its statutory holidays
    # are estimated: Friday 1 January is 元旦. 30, 31 Dec, then Monday 4 to Wednesday 6 Jan.
    deadline = calendar.add_workdays(at(2026, 12, 29, 10), 5)
    assert deadline == Deadline(due_at=at(2027, 1, 6, 17, 30), provisional=True)
    assert not calendar.is_official(date(2027, 1, 1))
    assert calendar.day_rule(date(2027, 1, 1)) == DayRule(is_workday=False, name="元旦", source=DaySource.ESTIMATE)
    assert not calendar.is_workday(date(2027, 1, 2))
    assert calendar.day_rule(date(2027, 1, 4)) == DayRule(is_workday=True, name="", source=DaySource.ESTIMATE)


def test_it_ends_twenty_working_days_from_friday_4_december_2026_on_monday_4_january_2027(calendar):
    # Dec 7-11 (5), 14-18 (10), 21-25 (15), 28-31 (19); Friday 1 January is 元旦, then the weekend; Monday 4 (20).
    deadline = calendar.add_workdays(at(2026, 12, 4, 10), 20)
    assert deadline == Deadline(due_at=at(2027, 1, 4, 17, 30), provisional=True)
    assert deadline.due_at.astimezone(UTC) == datetime(2027, 1, 4, 9, 30, tzinfo=UTC)


def test_it_is_not_provisional_until_the_due_day_leaves_the_covered_years(calendar):
    assert calendar.add_workdays(at(2026, 12, 29, 10), 2) == Deadline(at(2026, 12, 31, 17, 30), provisional=False)
    assert calendar.add_workdays(at(2025, 12, 30, 10), 3).provisional is False


def test_it_falls_back_to_monday_to_friday_before_2004_too(calendar):
    # The statutory estimate follows the law in force from 2025 only.
    assert calendar.is_workday(date(2003, 10, 1))
    assert calendar.day_rule(date(2003, 10, 1)).source == DaySource.WEEKDAY
    assert not calendar.is_official(date(2003, 10, 1))
    assert calendar.uncovered_years(date(2003, 6, 1), date(2004, 6, 1)) == [2003]


def test_it_takes_an_override_then_the_published_schedule_then_the_estimate():
    calendar = WorkCalendar(
        overrides={
            date(2026, 10, 8): DayRule(is_workday=False, name="防汛停工"),
            date(2027, 2, 9): DayRule(is_workday=True, name="春节"),
        }
    )
    assert calendar.day_rule(date(2026, 10, 8)) == DayRule(False, "防汛停工", DaySource.ENTERED)
    assert calendar.day_rule(date(2026, 10, 10)) == DayRule(True, "国庆节", DaySource.OFFICIAL)
    assert calendar.day_rule(date(2027, 2, 9)) == DayRule(True, "春节", DaySource.ENTERED)  # estimated 补假 otherwise
    assert calendar.day_rule(date(2027, 2, 10)) == DayRule(False, "春节", DaySource.ESTIMATE)


def test_it_lets_an_override_turn_a_day_off():
    calendar = WorkCalendar(overrides={date(2026, 3, 11): DayRule(is_workday=False, name="防汛停工")})
    assert not calendar.is_workday(date(2026, 3, 11))
    assert calendar.holiday_name(date(2026, 3, 11)) == "防汛停工"
    assert calendar.add_workdays(at(2026, 3, 10, 9), 1).due_at == at(2026, 3, 12, 17, 30)


def test_it_lets_an_override_turn_a_day_on():
    calendar = WorkCalendar(overrides={date(2026, 3, 14): DayRule(is_workday=True, name="补班")})
    assert calendar.is_workday(date(2026, 3, 14))
    assert calendar.add_workdays(at(2026, 3, 13, 9), 1).due_at == at(2026, 3, 14, 17, 30)


def test_it_keeps_an_override_in_an_unpublished_year_provisional():
    # Sunday 3 January entered as a make-up working day, over the estimate.
    calendar = WorkCalendar(overrides={date(2027, 1, 3): DayRule(is_workday=True, name="元旦")})
    deadline = calendar.add_workdays(at(2026, 12, 31, 10), 1)
    assert deadline == Deadline(due_at=at(2027, 1, 3, 17, 30), provisional=True)


def test_it_trusts_an_imported_year_and_does_not_estimate_it():
    # The notice lists every day off of its year: a day it leaves out is an ordinary day.
    calendar = WorkCalendar(official_years=[2027])
    assert calendar.is_official(date(2027, 6, 1))
    assert calendar.is_workday(date(2027, 1, 1))
    assert calendar.day_rule(date(2027, 2, 8)) == DayRule(True, "", DaySource.WEEKDAY)
    assert calendar.add_workdays(at(2026, 12, 29, 10), 5).provisional is False
    assert calendar.uncovered_years(date(2026, 1, 1), date(2028, 6, 1)) == [2028]
    assert WorkCalendar().uncovered_years(date(2026, 1, 1), date(2028, 6, 1)) == [2027, 2028]


@pytest.mark.parametrize("n", [0, -1])
def test_it_refuses_a_deadline_of_no_working_days(calendar, n):
    with pytest.raises(ValueError, match="at least one working day"):
        calendar.add_workdays(at(2026, 3, 10, 9), n)


def test_it_gives_up_instead_of_looping_when_no_day_is_worked():
    first = date(2026, 3, 11)
    never = WorkCalendar(overrides={first + timedelta(days=i): DayRule(False, "停") for i in range(4000)})
    with pytest.raises(ValueError, match="No working time within 3660 days"):
        never.add_workdays(at(2026, 3, 10, 9), 1)
    with pytest.raises(ValueError, match="No working time within 3660 days"):
        never.next_working_moment(at(2026, 3, 10, 18))


def test_it_inverts_add_workdays_with_workdays_between(calendar):
    # Every start day from mid-December 2024 to mid-January 2027 (three new years,
    # every holiday and make-up day of 2025 and 2026), early and late in the day.
    first = date(2024, 12, 15)
    for offset in range(765):
        day = first + timedelta(days=offset)
        for hour, minute in ((0, 5), (23, 55)):
            start = at(day.year, day.month, day.day, hour, minute)
            for n in (1, 2, 3, 5, 8, 15, 20):
                due_at = calendar.add_workdays(start, n).due_at
                assert calendar.workdays_between(start, due_at) == n, (start, n)
                assert calendar.workdays_between(start, due_at - timedelta(days=1)) < n, (start, n)


def test_it_counts_working_days_overdue(calendar):
    due_at = at(2026, 10, 10, 17, 30)
    assert calendar.workdays_between(due_at, at(2026, 10, 10, 18)) == 0
    assert calendar.workdays_between(due_at, at(2026, 10, 11, 18)) == 0  # Sunday
    assert calendar.workdays_between(due_at, at(2026, 10, 13, 10)) == 2
    assert calendar.workdays_between(at(2026, 10, 13, 10), due_at) == 0


def test_it_counts_back_from_one_moment_alike_in_any_order(calendar):
    """A list counts each row back from one ``now``, and the days one row counted serve the next: a short count,
    then one reaching further back (across National Day and the Mid-Autumn Festival), then one in between."""
    now = at(2026, 10, 13, 10)
    starts = (at(2026, 10, 10, 17, 30), at(2026, 9, 20, 9), at(2026, 9, 28, 17, 30))

    assert [calendar.workdays_between(start, now) for start in starts] == [2, 12, 7]
    assert [WorkCalendar().workdays_between(start, now) for start in reversed(starts)] == [7, 12, 2]


def test_it_adds_working_hours_across_lunch(calendar):
    assert calendar.add_working_hours(at(2026, 3, 10, 11), 2) == Deadline(at(2026, 3, 10, 14, 30), provisional=False)


def test_it_adds_working_hours_across_the_evening(calendar):
    assert calendar.add_working_hours(at(2026, 3, 10, 16, 30), 4).due_at == at(2026, 3, 11, 11, 30)
    assert calendar.add_working_hours(at(2026, 3, 10, 19), 1).due_at == at(2026, 3, 11, 9, 30)


def test_it_ends_working_hours_at_closing_time_not_the_next_morning(calendar):
    assert calendar.add_working_hours(at(2026, 3, 10, 16, 30), 1).due_at == at(2026, 3, 10, 17, 30)


def test_it_adds_working_hours_across_a_weekend(calendar):
    assert calendar.add_working_hours(at(2026, 3, 13, 16), 4).due_at == at(2026, 3, 16, 11)


def test_it_adds_working_hours_across_a_holiday_and_onto_a_makeup_saturday(calendar):
    assert calendar.add_working_hours(at(2026, 9, 30, 16), 4).due_at == at(2026, 10, 8, 11)
    assert calendar.add_working_hours(at(2026, 10, 9, 17), 1).due_at == at(2026, 10, 10, 9)


def test_it_adds_working_hours_into_2027_provisionally(calendar):
    # 17:00-17:30 on 31 December, then 元旦 and the weekend, then 08:30-09:00 on Monday 4 January.
    assert calendar.add_working_hours(at(2026, 12, 31, 17), 1) == Deadline(at(2027, 1, 4, 9), provisional=True)


def test_it_lists_the_holidays_and_make_up_days_of_a_year(calendar):
    special = dict(calendar.special_days(2026))
    assert special[date(2026, 10, 10)] == DayRule(True, "国庆节", DaySource.OFFICIAL)  # make-up Saturday
    assert special[date(2026, 10, 3)] == DayRule(False, "国庆节", DaySource.OFFICIAL)  # a Saturday of the holiday
    assert date(2026, 10, 17) not in special  # an ordinary Saturday
    assert date(2026, 10, 9) not in special  # an ordinary Friday
    assert len(special) == 39  # 33 days off, 6 make-up days
    # 261 weekdays, less the 19 weekdays among the 33 days off, plus the 6 make-up days.
    assert calendar.workdays_in_year(2026) == 248


@pytest.mark.parametrize("hours", [0, -2])
def test_it_refuses_no_working_hours(calendar, hours):
    with pytest.raises(ValueError, match="positive number of working hours"):
        calendar.add_working_hours(at(2026, 3, 10, 9), hours)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 3, 10, 7), at(2026, 3, 10, 8, 30)),
        (at(2026, 3, 10, 9), at(2026, 3, 10, 9)),
        (at(2026, 3, 10, 12), at(2026, 3, 10, 13, 30)),
        (at(2026, 3, 10, 12, 30), at(2026, 3, 10, 13, 30)),
        (at(2026, 3, 10, 18), at(2026, 3, 11, 8, 30)),
        (at(2026, 3, 13, 18), at(2026, 3, 16, 8, 30)),  # Friday evening
        (at(2026, 9, 30, 18), at(2026, 10, 8, 8, 30)),  # National Day eve
        (at(2026, 10, 9, 18), at(2026, 10, 10, 8, 30)),  # before the make-up Saturday
    ],
)
def test_it_finds_the_next_working_moment(calendar, moment, expected):
    assert calendar.next_working_moment(moment) == expected


def test_it_gives_the_next_working_moment_in_shanghai_time(calendar):
    moment = calendar.next_working_moment(datetime(2026, 3, 9, 23, 0, tzinfo=UTC))
    assert moment == at(2026, 3, 10, 8, 30)
    assert moment.tzinfo == SHANGHAI


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 3, 10, 8, 29), False),
        (at(2026, 3, 10, 8, 30), True),
        (at(2026, 3, 10, 11, 59), True),
        (at(2026, 3, 10, 12), False),
        (at(2026, 3, 10, 17, 29), True),
        (at(2026, 3, 10, 17, 30), False),
        (at(2026, 3, 14, 10), False),  # Saturday
        (at(2026, 10, 2, 10), False),  # National Day
        (at(2026, 10, 10, 10), True),  # make-up Saturday
    ],
)
def test_it_knows_working_time(calendar, moment, expected):
    assert calendar.is_working_time(moment) is expected


@pytest.mark.parametrize(
    "call",
    [
        lambda calendar, naive: calendar.add_workdays(naive, 1),
        lambda calendar, naive: calendar.add_working_hours(naive, 1),
        lambda calendar, naive: calendar.workdays_between(naive, at(2026, 3, 20)),
        lambda calendar, naive: calendar.workdays_between(at(2026, 3, 1), naive),
        lambda calendar, naive: calendar.is_working_time(naive),
        lambda calendar, naive: calendar.next_working_moment(naive),
    ],
)
def test_it_refuses_naive_datetimes(calendar, call: Callable[[WorkCalendar, datetime], object]):
    naive = datetime(2026, 3, 10, 9, 0)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(ValueError, match="Naive datetime"):
        call(calendar, naive)


def test_it_parses_working_hours():
    hours = WorkingHours.parse(" 09:00-12:00 , 14:00-18:00 ")
    assert [(f"{start:%H:%M}", f"{end:%H:%M}") for start, end in hours.periods] == [
        ("09:00", "12:00"),
        ("14:00", "18:00"),
    ]
    calendar = WorkCalendar(hours=hours)
    assert calendar.add_workdays(at(2026, 3, 10, 9), 1).due_at == at(2026, 3, 11, 18)
    assert calendar.next_working_moment(at(2026, 3, 10, 12, 30)) == at(2026, 3, 10, 14)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "8:30-12:00",
        "08:30-12:00;13:30-17:30",
        "08:30-12:00,",
        "12:00-08:30",
        "08:30-08:30",
        "08:30-12:00,11:00-17:30",
        "13:30-17:30,08:30-12:00",
        "25:00-26:00",
        "08:30-12:60",
    ],
)
def test_it_refuses_bad_working_hours(text):
    with pytest.raises(ValueError, match="Bad working hours"):
        WorkingHours.parse(text)
