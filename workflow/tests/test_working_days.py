"""``manage.py working_days YEAR``: what an administrator reads before and after importing a year's schedule."""

import unicodedata
from datetime import UTC, date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from workflow.models import CalendarDay, CalendarYear
from workflow.selectors import work_calendar
from workflow.workdays import SHANGHAI

pytestmark = pytest.mark.django_db

ESTIMATED_DAYS_OFF_2027 = {
    "2027-01-01": ("Fri", "day off", "元旦"),
    "2027-02-05": ("Fri", "day off", "春节"),
    "2027-02-06": ("Sat", "day off", "春节"),
    "2027-02-07": ("Sun", "day off", "春节"),
    "2027-02-08": ("Mon", "day off", "春节"),
    "2027-02-09": ("Tue", "day off in lieu (补假)", "春节"),
    "2027-02-10": ("Wed", "day off in lieu (补假)", "春节"),
    "2027-04-05": ("Mon", "day off", "清明"),
    "2027-05-01": ("Sat", "day off", "劳动节"),
    "2027-05-02": ("Sun", "day off", "劳动节"),
    "2027-05-03": ("Mon", "day off in lieu (补假)", "劳动节"),
    "2027-05-04": ("Tue", "day off in lieu (补假)", "劳动节"),
    "2027-06-09": ("Wed", "day off", "端午"),
    "2027-09-15": ("Wed", "day off", "中秋"),
    "2027-10-01": ("Fri", "day off", "国庆节"),
    "2027-10-02": ("Sat", "day off", "国庆节"),
    "2027-10-03": ("Sun", "day off", "国庆节"),
    "2027-10-04": ("Mon", "day off in lieu (补假)", "国庆节"),
    "2027-10-05": ("Tue", "day off in lieu (补假)", "国庆节"),
}


def working_days(*args: str) -> str:
    out = StringIO()
    call_command("working_days", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rows(output: str) -> dict[str, list[str]]:
    """The table's rows by date, each split into its columns (separated by two or more spaces)."""
    table = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("  ") if cell.strip()]
        if cells and cells[0][:4].isdigit() and cells[0][4:5] == "-":
            table[cells[0]] = cells[1:]
    return table


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def test_it_shows_the_estimated_days_off_of_2027():
    output = working_days("2027", "--language", "en")

    assert output.splitlines()[0] == (
        "2027: provisional. No official schedule yet: the statutory holidays are estimated, without the make-up "
        "working days of the State Council's notice. Import the notice with import_holidays."
    )
    assert rows(output) == {
        day: [weekday, kind, name, "statutory estimate"]
        for day, (weekday, kind, name) in ESTIMATED_DAYS_OFF_2027.items()
    }
    # 261 weekdays less the 13 estimated to be off.
    assert output.splitlines()[-1] == "248 working days in 2027."


def test_it_speaks_chinese_by_default_in_columns_that_line_up():
    with translation.override("en"):  # whatever a caller had active
        output = working_days("2027")

    lines = output.splitlines()
    assert lines[0].startswith("2027 年：暂定。尚无官方安排：按法定节假日估算")
    assert rows(output)["2027-02-09"] == ["星期二", "补假", "春节", "法定节假日估算"]
    assert rows(output)["2027-10-01"] == ["星期五", "放假", "国庆节", "法定节假日估算"]
    table = lines[1:-1]
    assert table[0].split() == ["日期", "星期", "类型", "节假日", "来源"]
    # Each column starts at the same terminal column on every line, Chinese characters being two wide.
    source_column = {display_width(line[: line.index(line.split()[-1])]) for line in table}
    assert len(source_column) == 1
    assert lines[-1] == "2027 年共 248 个工作日。"


def test_it_shows_what_an_import_entered_and_no_estimate_beside_it(tmp_path):
    schedule = tmp_path / "2027.csv"
    schedule.write_text(
        "date,type,name\n2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n"
        "2027-02-05,holiday,春节\n2027-02-20,workday,春节\n",
        encoding="utf-8",
    )
    # 20:00 UTC is already the next day in Shanghai.
    with time_machine.travel(datetime(2026, 12, 19, 20, 0, tzinfo=UTC), tick=False):
        call_command("import_holidays", str(schedule), year=2027, source="国办发明电〔2026〕测试号", stdout=StringIO())

    output = working_days("2027", "--language", "en")

    assert output.splitlines()[0] == "2027: official schedule, imported on 2026-12-20 (国办发明电〔2026〕测试号)."
    assert rows(output) == {
        "2027-01-01": ["Fri", "day off", "元旦", "entered"],
        "2027-01-02": ["Sat", "day off", "元旦", "entered"],
        "2027-01-03": ["Sun", "day off", "元旦", "entered"],
        "2027-02-05": ["Fri", "day off", "春节", "entered"],
        "2027-02-20": ["Sat", "make-up working day (调休)", "春节", "entered"],
    }


def test_it_shows_a_day_corrected_by_hand_among_the_estimate():
    CalendarDay.objects.create(date=date(2027, 2, 20), is_workday=True, name="春节")

    output = working_days("2027", "--language", "en")

    assert output.splitlines()[0].startswith("2027: provisional.")
    assert rows(output)["2027-02-20"] == ["Sat", "make-up working day (调休)", "春节", "entered"]
    assert rows(output)["2027-02-09"] == ["Tue", "day off in lieu (补假)", "春节", "statutory estimate"]


def test_it_shows_a_published_year_with_its_make_up_days():
    output = working_days("2026", "--language", "en")

    assert output.splitlines()[0] == "2026: official schedule (the chinese-calendar package)."
    table = rows(output)
    assert table["2026-10-07"] == ["Wed", "day off", "国庆节", "official"]
    assert table["2026-10-10"] == ["Sat", "make-up working day (调休)", "国庆节", "official"]
    assert len(table) == 39


def test_it_says_when_a_year_has_neither_schedule_nor_estimate():
    output = working_days("2003", "--language", "en")

    assert output.splitlines() == [
        "2003: provisional. No official schedule and no estimate: counted Monday–Friday.",
        "No holidays and no make-up working days.",
        "261 working days in 2003.",
    ]


def test_it_exports_the_estimate_as_a_file_that_import_holidays_takes_back(tmp_path):
    out, err = StringIO(), StringIO()
    call_command("working_days", "2027", "--format", "csv", "--language", "en", stdout=out, stderr=err)
    exported = out.getvalue()

    assert exported.splitlines()[:4] == [
        "date,type,name",
        "2027-01-01,holiday,元旦",
        "2027-02-05,holiday,春节",
        "2027-02-06,holiday,春节",
    ]
    assert len(exported.splitlines()) == 1 + len(ESTIMATED_DAYS_OFF_2027)
    assert err.getvalue().startswith("2027: provisional.")

    # The administrator adds the notice's make-up Saturday and imports the file.
    corrected = tmp_path / "2027.csv"
    corrected.write_text(exported + "2027-02-20,workday,春节\n", encoding="utf-8")
    call_command("import_holidays", str(corrected), year=2027, stdout=StringIO())

    assert CalendarYear.objects.filter(year=2027).exists()
    assert CalendarDay.objects.count() == len(ESTIMATED_DAYS_OFF_2027) + 1
    calendar = work_calendar()
    assert calendar.is_official(date(2027, 2, 9))
    assert not calendar.is_workday(date(2027, 2, 9))
    assert calendar.is_workday(date(2027, 2, 20))
    assert set(rows(working_days("2027", "--language", "en"))) == {*ESTIMATED_DAYS_OFF_2027, "2027-02-20"}


@pytest.mark.parametrize("year", ["0", "10000"])
def test_it_refuses_a_year_out_of_range(year):
    with pytest.raises(CommandError, match="is not a year between 1 and 9999"):
        working_days(year)


def test_it_ends_twenty_working_days_from_friday_4_december_2026_on_monday_4_january_2027():
    """Through the calendar the application loads: 1 January is estimated off, so the deadline is not a day early."""
    deadline = work_calendar().add_workdays(datetime(2026, 12, 4, 10, tzinfo=SHANGHAI), 20)

    assert (deadline.due_at, deadline.provisional) == (datetime(2027, 1, 4, 17, 30, tzinfo=SHANGHAI), True)
