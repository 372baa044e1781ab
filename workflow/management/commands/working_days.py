"""Show a year's days off and make-up working days, and where each comes from, before and after an import.

The table is for reading in a terminal, in Chinese unless ``--language en``
asks for English. ``--format csv`` writes the file ``import_holidays`` reads, so an
administrator can export the estimate, correct it from the State Council's
notice and import it.
"""

import csv
import io
import unicodedata
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _

from workflow import statutory
from workflow.management.commands.import_holidays import HEADER
from workflow.selectors import imported_schedule, work_calendar
from workflow.workdays import SHANGHAI, DayRule, DaySource, WorkCalendar

CSV_TYPE = {False: "holiday", True: "workday"}
COLUMN_GAP = "  "


class Command(BaseCommand):
    help = (
        "Print the days off and make-up working days of one year, each with its weekday, holiday and source "
        "(official schedule, entered by an administrator, or statutory estimate), and whether the year is "
        "provisional. --format csv writes the file import_holidays reads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="e.g. 2027")
        parser.add_argument("--format", choices=["table", "csv"], default="table", dest="output_format")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help=f"The language of the table (default {settings.LANGUAGE_CODE}).",
        )

    def handle(self, *args: object, year: int, output_format: str, language: str, **options: object) -> None:
        if not 1 <= year <= date.max.year:
            raise CommandError(f"{year} is not a year between 1 and {date.max.year}.")
        calendar = work_calendar()
        days = calendar.special_days(year)
        with translation.override(language):
            if output_format == "csv":
                # The status goes to stderr, so that the file stays importable and the reader is still told.
                self.stderr.write(year_status(calendar, year))
                self.stdout.write(schedule_csv(days), ending="")
                return
            self.stdout.write(year_status(calendar, year))
            self.stdout.write(schedule_table(days) if days else _("No holidays and no make-up working days."))
            self.stdout.write(
                _("%(count)d working days in %(year)d.") % {"count": calendar.workdays_in_year(year), "year": year}
            )


def year_status(calendar: WorkCalendar, year: int) -> str:
    """One line: whose schedule the year follows, and whether its deadlines are provisional."""
    imported = imported_schedule(year)
    if imported is not None:
        return _("%(year)d: official schedule, imported on %(date)s (%(source)s).") % {
            "year": year,
            "date": f"{imported.imported_at.astimezone(SHANGHAI):%Y-%m-%d}",
            "source": imported.source or _("no notice given"),
        }
    if calendar.is_official(date(year, 1, 1)):
        return _("%(year)d: official schedule (the chinese-calendar package).") % {"year": year}
    if statutory.FIRST_YEAR <= year <= statutory.LAST_YEAR:
        return _(
            "%(year)d: provisional. No official schedule yet: the statutory holidays are estimated, without the "
            "make-up working days of the State Council's notice. Import the notice with import_holidays."
        ) % {"year": year}
    return _("%(year)d: provisional. No official schedule and no estimate: counted Monday–Friday.") % {"year": year}


def kind_label(day: date, rule: DayRule) -> str:
    if rule.is_workday:
        return _("make-up working day (调休)")
    if rule.source == DaySource.ESTIMATE and statutory.estimated_days_off(day.year)[day].in_lieu:
        return _("day off in lieu (补假)")
    return _("day off")


def source_label(rule: DayRule) -> str:
    return {
        DaySource.ENTERED: _("entered"),
        DaySource.OFFICIAL: _("official"),
        DaySource.ESTIMATE: _("statutory estimate"),
    }[rule.source]


def schedule_table(days: list[tuple[date, DayRule]]) -> str:
    header = [_("date"), _("weekday"), _("type"), _("holiday"), _("source")]
    rows = [
        [f"{day:%Y-%m-%d}", format_date(day, "D"), kind_label(day, rule), rule.name, source_label(rule)]
        for day, rule in days
    ]
    widths = [max(display_width(row[column]) for row in [header, *rows]) for column in range(len(header))]
    return "\n".join(
        COLUMN_GAP.join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    )


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for each Chinese character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def schedule_csv(days: list[tuple[date, DayRule]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([f"{day:%Y-%m-%d}", CSV_TYPE[rule.is_workday], rule.name] for day, rule in days)
    return out.getvalue()
