"""Enter a year's official holiday schedule (放假安排) before chinese_calendar ships it.

The State Council publishes next year's holidays and make-up working days
(调休) in the autumn. Until they are imported, deadlines reaching into that
year are counted over its estimated statutory holidays (``workflow.statutory``)
and marked provisional. ``working_days YEAR --format csv`` writes this
command's file from the estimate, for an administrator to correct.
"""

import csv
import io
import re
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from workflow.models import CalendarDay, CalendarYear
from workflow.sweep import deadlines_recompute_provisional
from workflow.workdays import DayRule

HEADER = ["date", "type", "name"]
IS_WORKDAY_BY_TYPE = {"holiday": False, "workday": True}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAME_MAX_LENGTH: int = CalendarDay._meta.get_field("name").max_length  # type: ignore[assignment]  # a CharField: set


class Command(BaseCommand):
    help = (
        "Import the holidays and make-up working days of one year from a CSV file with the header "
        "date,type,name (type 'holiday' or 'workday'). Days not listed follow Monday–Friday. "
        "Replaces an earlier import of the same year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_file", type=Path, help="UTF-8 CSV, e.g. 2027-01-01,holiday,元旦")
        parser.add_argument(
            "--year", type=int, required=True, help="The year the file covers; every date must be in it."
        )
        parser.add_argument("--source", default="", help="The notice, e.g. 国办发明电〔2025〕7号.")

    def handle(self, *args: object, csv_file: Path, year: int, source: str, **options: object) -> None:
        schedule = read_schedule(csv_file, year)
        with transaction.atomic():
            replaced, _ = CalendarDay.objects.filter(date__year=year).delete()
            CalendarDay.objects.bulk_create(
                CalendarDay(date=day, is_workday=rule.is_workday, name=rule.name, source=source)
                for day, rule in sorted(schedule.items())
            )
            CalendarYear.objects.update_or_create(
                year=year, defaults={"source": source, "imported_at": timezone.now(), "imported_by": None}
            )
        makeup_days = sum(rule.is_workday for rule in schedule.values())
        recomputed = deadlines_recompute_provisional()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported the {year} schedule: {len(schedule) - makeup_days} holidays, "
                f"{makeup_days} make-up working days (replaced {replaced} earlier rows); "
                f"{recomputed} provisional deadlines recomputed."
            )
        )


def read_schedule(path: Path, year: int) -> dict[date, DayRule]:
    """Every listed day of ``year``; all problems of the file at once, each with its line, or nothing."""
    try:
        # utf-8-sig: spreadsheet programs on Windows save CSV with a byte order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text ({error}).") from error
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}.") from error

    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    if [cell.strip().lower() for cell in header] != HEADER:
        raise CommandError(f"{path}, line 1: the header must be 'date,type,name', found {','.join(header)!r}.")

    schedule: dict[date, DayRule] = {}
    line_of: dict[date, int] = {}
    errors: list[str] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        try:
            day, rule = parse_row(row, year)
        except ValueError as error:
            errors.append(f"line {reader.line_num}: {error}")
            continue
        if day in schedule:
            errors.append(f"line {reader.line_num}: {day} is already listed on line {line_of[day]}.")
            continue
        schedule[day] = rule
        line_of[day] = reader.line_num

    if errors:
        raise CommandError(f"{path}: nothing imported.\n" + "\n".join(errors))
    if not schedule:
        raise CommandError(f"{path}: no days listed, nothing imported.")
    return schedule


def parse_row(row: list[str], year: int) -> tuple[date, DayRule]:
    if len(row) != len(HEADER):
        raise ValueError(f"expected 3 columns (date,type,name), found {len(row)}.")
    raw_date, raw_type, name = (cell.strip() for cell in row)
    if not ISO_DATE.match(raw_date):
        raise ValueError(f"{raw_date!r} is not a date of the form YYYY-MM-DD.")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError as error:
        raise ValueError(f"{raw_date!r} is not a date: {error}.") from None
    if day.year != year:
        raise ValueError(f"{day} is not in {year}.")
    if raw_type not in IS_WORKDAY_BY_TYPE:
        raise ValueError(f"unknown type {raw_type!r}: expected 'holiday' or 'workday'.")
    if not name:
        raise ValueError("the holiday name is missing.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValueError(f"the name is longer than {NAME_MAX_LENGTH} characters.")
    is_workday = IS_WORKDAY_BY_TYPE[raw_type]
    # Make-up working days (调休) are always a Saturday or Sunday; a weekday marked
    # 'workday' would change nothing, so it is a wrong date or a wrong type.
    if is_workday and day.weekday() < 5:
        raise ValueError(f"{day} is a {day:%A}, but a make-up working day falls on a weekend.")
    return day, DayRule(is_workday=is_workday, name=name)
