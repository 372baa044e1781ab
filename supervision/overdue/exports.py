"""The overdue list as an .xlsx ledger, written a chunk at a time from ``overdue_cases``."""

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook

from cases.models import Case, UrgingLevel
from core.people import user_name
from workflow.models import ClockKind
from workflow.workdays import WorkCalendar

from ..exports import in_language, shanghai_text
from .selectors import last_event_of

# Enough for a district's whole backlog; beyond it the request would hold a worker for minutes.
EXPORT_MAX_ROWS = 50_000
EXPORT_CHUNK_ROWS = 2_000

# The ledger's column headers. The Chinese ones are the form the district's offices file and
# compare, so they are written out here rather than left to a translation that might drift.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("案件编号", "Case number"),
    ("标题", "Title"),
    ("企业", "Enterprise"),
    ("类别", "Category"),
    ("责任单位", "Responsible unit"),
    ("承办人", "Assignee"),
    ("办结时限", "Due"),
    ("逾期环节", "Overdue clock"),
    ("逾期工作日", "Working days overdue"),
    ("最近办理", "Last action"),
    ("最近办理时间", "Last action at"),
    ("督办等级", "Urging level"),
    ("督办答复时限", "Urging answer due"),
)
EXPORT_SHEET_TITLE = ("逾期清单", "Overdue cases")


def write_overdue_workbook(cases: QuerySet[Case], *, calendar: WorkCalendar, now: datetime, file: IO[bytes]) -> None:
    """Write the ledger into ``file`` chunk by chunk: write-only openpyxl keeps one row in memory, not the sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=in_language(EXPORT_SHEET_TITLE))
    sheet.append([in_language(labels) for labels in EXPORT_COLUMNS])
    for row in _overdue_rows(cases.iterator(chunk_size=EXPORT_CHUNK_ROWS), calendar=calendar, now=now):
        sheet.append(row)
    workbook.save(file)


def _overdue_rows(cases: Iterable[Case], *, calendar: WorkCalendar, now: datetime) -> Iterable[list]:
    for case in cases:
        last_event = last_event_of(case)
        actor, action = last_event.actor_name, last_event.action_display
        yield [
            case.number,
            case.title,
            case.enterprise.name,
            case.category.name,
            case.responsible_unit.name if case.responsible_unit else "",
            user_name(case.assignee) if case.assignee else "",
            shanghai_text(case.due_at),
            str(ClockKind(case.clock).label),
            calendar.workdays_between(case.due_at, now),
            f"{action} · {actor}" if action and actor else action,
            shanghai_text(last_event.created_at),
            str(UrgingLevel(case.urging_level).label),
            shanghai_text(case.urging_answer_due_at),
        ]
