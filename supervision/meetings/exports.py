"""A meeting's agenda and minutes as an .xlsx workbook: agenda and decisions, sub-cases, the meeting's particulars."""

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.contrib.auth.models import User
from openpyxl import Workbook

from core.people import user_name

from ..exports import in_language, shanghai_text
from .models import AgendaItem, Meeting


def _person_name(user: User | None) -> str:
    return user_name(user) if user else ""


# The sheets' headers. As in the overdue ledger, the Chinese ones are the forms the offices file,
# so they are written out here rather than left to a translation.
AGENDA_SHEET_TITLE = ("议程与纪要", "Agenda and minutes")
AGENDA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("序号", "No."),
    ("案件编号", "Case number"),
    ("标题", "Title"),
    ("企业", "Enterprise"),
    ("责任单位", "Responsible unit"),
    ("承办人", "Assignee"),
    ("提请类型", "Kind"),
    ("提请理由", "Reason"),
    ("提请人", "Flagged by"),
    ("顺延次数", "Times deferred"),
    ("顺延自", "Deferred from"),
    ("议定结果", "Outcome"),
    ("会议纪要", "Decision"),
    ("子案件", "Sub-cases"),
)
SUB_CASE_SHEET_TITLE = ("子案件", "Sub-cases")
SUB_CASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("上级案件编号", "Parent case"),
    ("子案件编号", "Sub-case"),
    ("标题", "Title"),
    ("责任单位", "Responsible unit"),
    ("承办人", "Assignee"),
    ("办结时限", "Due"),
    ("状态", "State"),
)
MEETING_SHEET_TITLE = ("会议信息", "Meeting")
MEETING_FIELDS: tuple[tuple[str, str], ...] = (
    ("会议名称", "Title"),
    ("会议日期", "Date"),
    ("地点", "Location"),
    ("主持领导", "Chair"),
    ("参会单位", "Participating units"),
    ("状态", "State"),
    ("会议记录", "Notes"),
    ("导出时间", "Exported at"),
)


def meeting_title(meeting: Meeting) -> str:
    return meeting.title or f"{meeting.held_on:%Y-%m-%d}"


def write_meeting_workbook(meeting: Meeting, items: Iterable[AgendaItem], *, now: datetime, file: IO[bytes]) -> None:
    """Agenda and minutes on one sheet, the sub-cases on a second, the meeting's particulars on a third."""
    items = list(items)
    workbook = Workbook(write_only=True)
    agenda = workbook.create_sheet(title=in_language(AGENDA_SHEET_TITLE))
    agenda.append([in_language(labels) for labels in AGENDA_COLUMNS])
    for item in items:
        case = item.flag.case
        agenda.append(
            [
                item.position,
                case.number,
                case.title,
                case.enterprise.name,
                case.responsible_unit.name if case.responsible_unit else "",
                _person_name(case.assignee),
                str(item.flag.get_kind_display()),
                item.flag.reason,
                _person_name(item.flag.flagged_by),
                item.times_deferred,
                meeting_title(item.deferred_from) if item.deferred_from else "",
                str(item.get_outcome_display()),
                item.decision,
                "; ".join(sub_case.number for sub_case in item.sub_cases.all()),
            ]
        )
    sub_case_sheet = workbook.create_sheet(title=in_language(SUB_CASE_SHEET_TITLE))
    sub_case_sheet.append([in_language(labels) for labels in SUB_CASE_COLUMNS])
    for item in items:
        for sub_case in item.sub_cases.all():
            sub_case_sheet.append(
                [
                    item.flag.case.number,
                    sub_case.number,
                    sub_case.title,
                    sub_case.responsible_unit.name if sub_case.responsible_unit else "",
                    _person_name(sub_case.assignee),
                    shanghai_text(sub_case.resolution_due_at),
                    str(sub_case.get_state_display()),
                ]
            )
    particulars = workbook.create_sheet(title=in_language(MEETING_SHEET_TITLE))
    values = (
        meeting_title(meeting),
        f"{meeting.held_on:%Y-%m-%d}",
        meeting.location,
        _person_name(meeting.chair),
        "、".join(unit.name for unit in meeting.participating_units.all()),
        str(meeting.get_state_display()),
        meeting.notes,
        shanghai_text(now),
    )
    for labels, value in zip(MEETING_FIELDS, values, strict=True):
        particulars.append([in_language(labels), value])
    workbook.save(file)
