"""Reads of the joint review meeting: who sees which flags, meetings and agenda items, and the .xlsx of a meeting.

Flags and agenda items are reached only through the cases the user may see
(``cases_visible_to``): a participant of a meeting sees the items of the cases
they see, a supervisor or leader of the jurisdiction sees them all.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.db.models import Prefetch, Q, QuerySet
from openpyxl import Workbook

from cases.models import Case
from cases.permissions import heads_responsible_unit, is_assignee, supervises
from cases.selectors import cases_visible_to
from cases.states import UNRESOLVED_STATES
from enterprises.access import UnitTree, jurisdictions, roles_for_user
from enterprises.models import Role, Unit

from .exports import in_language, shanghai_text
from .models import AgendaItem, FlagState, Meeting, MeetingFlag

# A case goes to the meeting only while it is still being worked on: a resolved one waits for the enterprise.
FLAGGABLE_STATES = UNRESOLVED_STATES


def may_see_meetings(user) -> bool:
    """Officials only: the joint review is government business, enterprises follow only its outcome."""
    return roles_for_user(user).is_official


def may_flag(case: Case, user) -> bool:
    """The assignee, a head of the responsible unit, or a supervisor whose jurisdiction covers the case.

    The service enforces it and the case page offers the flag form by it; the case needs its enterprise.
    """
    return is_assignee(case, user) or heads_responsible_unit(case, user) or supervises(case, user)


def pending_flag_of(user, case: Case) -> MeetingFlag | None:
    """The case's flag waiting for the meeting, as an official sees it; None for enterprise users."""
    return flags_visible_to(user).filter(case=case, state=FlagState.PENDING).first()


def may_run_meeting(user, meeting: Meeting) -> bool:
    """The supervision office of the jurisdiction prepares the agenda, records the minutes and closes it."""
    roles = roles_for_user(user)
    return roles.is_supervisor and roles.supervises(meeting.jurisdiction_id, None)


def jurisdiction_units(jurisdiction: Unit) -> frozenset[int]:
    return UnitTree().subtree([jurisdiction.pk])


def in_units_q(unit_ids: Iterable[int], prefix: str = "") -> Q:
    """Cases a jurisdiction covers: by responsible unit or by the enterprise's township, as supervisors see them."""
    unit_ids = list(unit_ids)
    return Q(**{f"{prefix}responsible_unit_id__in": unit_ids}) | Q(**{f"{prefix}enterprise__township_id__in": unit_ids})


def flags_visible_to(user) -> QuerySet[MeetingFlag]:
    """Flags of the cases the user sees as an official; none for enterprise users."""
    if not may_see_meetings(user):
        return MeetingFlag.objects.none()
    return MeetingFlag.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case",
        "case__enterprise",
        "case__responsible_unit",
        "case__assignee",
        "flagged_by",
        "withdrawn_by",
        "deferred_from",
    )


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Supervisors and leaders see their jurisdiction's meetings; the chair theirs; officials of a
    participating unit the meetings their unit takes part in."""
    meetings = Meeting.objects.select_related("jurisdiction", "chair", "created_by", "closed_by").prefetch_related(
        "participating_units"
    )
    roles = roles_for_user(user)
    if not roles.is_official:
        return meetings.none()
    if roles.is_superuser:
        return meetings
    member_units = roles.cadre_unit_ids | roles.head_unit_ids | roles.dispatcher_unit_ids
    attended = Meeting.participating_units.through.objects.filter(unit_id__in=member_units).values("meeting_id")
    return meetings.filter(
        Q(jurisdiction_id__in=roles.supervised_unit_ids | roles.led_unit_ids)
        | Q(chair_id=roles.user_id)
        | Q(pk__in=attended)
    )


def agenda_items_for(user, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's items whose case the user may see, in agenda order, with everything a row shows."""
    sub_cases = (
        Case.objects.filter(pk__in=cases_visible_to(user).values("pk"))
        .select_related("responsible_unit", "assignee")
        .order_by("number")
    )
    return (
        AgendaItem.objects.filter(meeting=meeting, flag__case__in=cases_visible_to(user))
        .select_related(
            "flag",
            "flag__flagged_by",
            "flag__case",
            "flag__case__enterprise",
            "flag__case__responsible_unit",
            "flag__case__assignee",
            "deferred_from",
            "decided_by",
        )
        .prefetch_related(Prefetch("sub_cases", queryset=sub_cases))
        .order_by("position")
    )


def person_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


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
                person_name(case.assignee),
                str(item.flag.get_kind_display()),
                item.flag.reason,
                person_name(item.flag.flagged_by),
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
                    person_name(sub_case.assignee),
                    shanghai_text(sub_case.resolution_due_at),
                    str(sub_case.get_state_display()),
                ]
            )
    particulars = workbook.create_sheet(title=in_language(MEETING_SHEET_TITLE))
    values = (
        meeting_title(meeting),
        f"{meeting.held_on:%Y-%m-%d}",
        meeting.location,
        person_name(meeting.chair),
        "、".join(unit.name for unit in meeting.participating_units.all()),
        str(meeting.get_state_display()),
        meeting.notes,
        shanghai_text(now),
    )
    for labels, value in zip(MEETING_FIELDS, values, strict=True):
        particulars.append([in_language(labels), value])
    workbook.save(file)


def leaders_chairing(unit_ids: frozenset[int]) -> list:
    """Leaders whose area lies within or over the jurisdiction's units: who may chair its meeting."""
    return [user for user, units in jurisdictions(Role.LEADER).items() if units & unit_ids]
