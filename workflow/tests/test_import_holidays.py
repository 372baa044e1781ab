"""Importing a year's schedule, the calendar loader, and the warning while a year is missing."""

from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db.utils import OperationalError
from django.test import Client
from django.utils import translation

from workflow import checks
from workflow.checks import check_holiday_schedules
from workflow.models import CalendarDay, CalendarYear
from workflow.selectors import work_calendar
from workflow.workdays import SHANGHAI, Deadline

pytestmark = pytest.mark.django_db

# A made-up schedule for 2027 in the shape of a State Council notice; the real one
# may differ. 1–3 January (Friday–Sunday) off; 春节 5–11 February off with
# make-up days on Sunday 31 January and Saturday 20 February.
SCHEDULE_2027 = """date,type,name
2027-01-01,holiday,元旦
2027-01-02,holiday,元旦
2027-01-03,holiday,元旦
2027-01-31,workday,春节
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-20,workday,春节
"""
SOURCE = "国办发明电〔2026〕测试号"


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "holidays.csv"
    path.write_bytes(text.encode(encoding))
    return path


def import_holidays(path: Path, year: int = 2027, source: str = SOURCE) -> str:
    out = StringIO()
    call_command("import_holidays", str(path), year=year, source=source, stdout=out)
    return out.getvalue()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_it_imports_a_year(tmp_path, encoding):
    # Estimated: 春节 5-8 February and the weekend given back on 9 and 10; then Thu 11, Fri 12, Mon 15.
    before = work_calendar().add_workdays(at(2027, 2, 4, 10), 3)
    assert before == Deadline(due_at=at(2027, 2, 15, 17, 30), provisional=True)

    output = import_holidays(write(tmp_path, SCHEDULE_2027, encoding))

    assert "10 holidays, 2 make-up working days" in output
    assert CalendarDay.objects.count() == 12
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {SOURCE}
    year = CalendarYear.objects.get()
    assert (year.year, year.source, year.imported_by) == (2027, SOURCE, None)

    calendar = work_calendar()
    assert not calendar.is_workday(date(2027, 1, 1))
    assert calendar.holiday_name(date(2027, 1, 1)) == "元旦"
    assert calendar.is_workday(date(2027, 2, 20))  # make-up Saturday
    assert calendar.is_workday(date(2027, 2, 12))  # not listed: a Friday
    assert not calendar.is_workday(date(2027, 2, 13))  # not listed: a Saturday
    assert calendar.is_workday(date(2027, 5, 3))  # given back by the estimate, not by this notice
    # 31 December, then 1–3 January off, then Monday 4 and Tuesday 5 January.
    after = calendar.add_workdays(at(2026, 12, 30, 10), 3)
    assert after == Deadline(due_at=at(2027, 1, 5, 17, 30), provisional=False)
    # The notice's 春节 runs to Thursday 11 February: Fri 12, Mon 15, Tue 16.
    assert calendar.add_workdays(at(2027, 2, 4, 10), 3) == Deadline(due_at=at(2027, 2, 16, 17, 30), provisional=False)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2027-02-30,holiday,春节", "line 3: '2027-02-30' is not a date"),
        ("2027/02/12,holiday,春节", "line 3: '2027/02/12' is not a date of the form YYYY-MM-DD"),
        ("27-02-12,holiday,春节", "line 3: '27-02-12' is not a date of the form YYYY-MM-DD"),
        ("2028-01-01,holiday,元旦", "line 3: 2028-01-01 is not in 2027"),
        ("2027-02-12,vacation,春节", "line 3: unknown type 'vacation'"),
        ("2027-02-12,Holiday,春节", "line 3: unknown type 'Holiday'"),
        ("2027-01-01,holiday,元旦", "line 3: 2027-01-01 is already listed on line 2"),
        ("2027-02-12,workday,春节", "line 3: 2027-02-12 is a Friday, but a make-up working day falls on a weekend"),
        ("2027-02-12,holiday,", "line 3: the holiday name is missing"),
        ("2027-02-12,holiday", "line 3: expected 3 columns"),
        ("2027-02-12,holiday,春节,多余", "line 3: expected 3 columns"),
    ],
)
def test_it_refuses_a_bad_line_and_imports_nothing(tmp_path, line, message):
    import_holidays(write(tmp_path, SCHEDULE_2027), source="first import")
    bad = write(tmp_path, f"date,type,name\n2027-01-01,holiday,元旦\n{line}\n2027-01-02,holiday,元旦\n")

    with pytest.raises(CommandError, match=message):
        import_holidays(bad, source="second import")

    assert CalendarDay.objects.count() == 12
    assert set(CalendarDay.objects.values_list("source", flat=True)) == {"first import"}
    assert CalendarYear.objects.get().source == "first import"


def test_it_reports_every_bad_line_at_once(tmp_path):
    bad = write(tmp_path, "date,type,name\n2027-02-30,holiday,春节\n2027-02-12,holiday,春节\n2027-03-01,off,春节\n")
    with pytest.raises(CommandError) as raised:
        import_holidays(bad)
    assert "line 2:" in str(raised.value)
    assert "line 3:" not in str(raised.value)
    assert "line 4:" in str(raised.value)
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,kind,name\n2027-01-01,holiday,元旦\n", "line 1: the header must be 'date,type,name'"),
        ("", "line 1: the header must be 'date,type,name'"),
        ("date,type,name\n\n", "no days listed"),
    ],
)
def test_it_refuses_a_file_without_the_header_or_any_day(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        import_holidays(write(tmp_path, text))
    assert not CalendarYear.objects.exists()


def test_it_refuses_a_file_that_is_not_utf8(tmp_path):
    # Excel on a Chinese Windows saves "CSV" in GBK unless told "CSV UTF-8".
    with pytest.raises(CommandError, match="not UTF-8"):
        import_holidays(write(tmp_path, SCHEDULE_2027, encoding="gbk"))
    assert not CalendarDay.objects.exists()


def test_it_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        import_holidays(tmp_path / "missing.csv")


def test_it_skips_blank_lines(tmp_path):
    import_holidays(write(tmp_path, "date,type,name\n\n2027-01-01,holiday,元旦\n\n"))
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2027, 1, 1)]


def test_it_replaces_an_earlier_import_of_the_same_year_only(tmp_path):
    CalendarDay.objects.create(date=date(2026, 3, 11), is_workday=False, name="防汛停工")
    import_holidays(write(tmp_path, SCHEDULE_2027), source="first")

    output = import_holidays(write(tmp_path, "date,type,name\n2027-01-01,holiday,元旦\n"), source="corrected")

    assert "1 holidays, 0 make-up working days (replaced 12 earlier rows)" in output
    assert sorted(CalendarDay.objects.values_list("date", "source")) == [
        (date(2026, 3, 11), ""),
        (date(2027, 1, 1), "corrected"),
    ]
    assert list(CalendarYear.objects.values_list("year", "source")) == [(2027, "corrected")]
    assert work_calendar().is_workday(date(2027, 2, 8))


def test_it_loads_the_calendar_in_one_query_with_the_configured_hours(django_assert_num_queries, settings):
    settings.HUIYIN = {**settings.HUIYIN, "WORKING_HOURS": "09:00-12:00,14:00-17:00"}
    CalendarDay.objects.create(date=date(2026, 3, 11), is_workday=False, name="防汛停工")
    CalendarYear.objects.create(year=2027)
    with django_assert_num_queries(1):
        calendar = work_calendar()
    assert calendar.add_workdays(at(2026, 3, 10, 9), 1) == Deadline(due_at=at(2026, 3, 12, 17), provisional=False)
    assert calendar.uncovered_years(date(2026, 1, 1), date(2027, 12, 31)) == []


def test_it_warns_in_late_november_and_stops_after_the_import(tmp_path):
    with time_machine.travel(at(2026, 11, 21, 10), tick=False), translation.override("en"):
        warnings = check_holiday_schedules(app_configs=None)
        assert [warning.id for warning in warnings] == ["workflow.W001"]
        assert "No official holiday schedule for 2027" in warnings[0].msg
        assert "import_holidays" in warnings[0].hint

        import_holidays(write(tmp_path, SCHEDULE_2027))

        assert check_holiday_schedules(app_configs=None) == []


@pytest.mark.parametrize(
    ("now", "warned_years"),
    [
        # 1 March + 120 days is 29 June: 2027 is far off.
        (at(2026, 3, 1, 10), []),
        # 2 September + 120 days is 31 December, the last day still covered.
        (at(2026, 9, 2, 23, 59), []),
        # 3 September + 120 days is 1 January 2027.
        (at(2026, 9, 3, 0, 1), [2027]),
        # Still 2 September in UTC, but already 3 September in Shanghai.
        (datetime(2026, 9, 2, 17, 0, tzinfo=UTC), [2027]),
        # Within 2027 itself, and 2028 is not yet within reach.
        (at(2027, 6, 1, 10), [2027]),
        (at(2027, 9, 3, 10), [2027, 2028]),
    ],
)
def test_it_warns_only_for_years_within_120_days(now, warned_years):
    with time_machine.travel(now, tick=False), translation.override("en"):
        warnings = check_holiday_schedules(app_configs=None)
    assert [warning.msg for warning in warnings] == [
        f"No official holiday schedule for {year}: deadlines reaching into it are provisional "
        "(statutory holidays estimated, no make-up working days)."
        for year in warned_years
    ]


def test_it_is_a_registered_system_check():
    with time_machine.travel(at(2026, 11, 21, 10), tick=False):
        assert "workflow.W001" in {message.id for message in run_checks()}


def test_it_checks_nothing_when_asked_about_another_app():
    with time_machine.travel(at(2026, 11, 21, 10), tick=False):
        assert check_holiday_schedules(app_configs=[apps.get_app_config("cases")]) == []


def test_it_checks_nothing_before_the_tables_exist(monkeypatch):
    def no_such_table():
        raise OperationalError("no such table: workflow_calendarday")

    monkeypatch.setattr(checks, "work_calendar", no_such_table)
    with time_machine.travel(at(2026, 11, 21, 10), tick=False):
        assert check_holiday_schedules(app_configs=None) == []


@pytest.mark.parametrize("changelist", ["/admin/workflow/calendarday/", "/admin/workflow/calendaryear/"])
def test_it_shows_the_warning_on_the_calendar_admin_pages(changelist):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123"))
    with time_machine.travel(at(2026, 11, 21, 10), tick=False):
        response = client.get(changelist)
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        "No official holiday schedule for 2027: deadlines reaching into it are provisional "
        "(statutory holidays estimated, no make-up working days). Compare manage.py working_days 2027 with the "
        "State Council's notice, then import the notice with manage.py import_holidays FILE.csv --year 2027."
    ]
