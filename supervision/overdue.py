"""The overdue review: open cases whose running clock ran out, for those who oversee them, and its ledger export.

A case is overdue on the clock that is the current holder's to meet: an
assigned case on its resolution clock, an opened one (new or sent back) on the
dispatcher's routing clock. Both due times are mirrored on the case row under
partial indexes over open states, so the review is a plain indexed query; the
working days late are counted in Python with the calendar, a page at a time.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.db.models import Case as Conditional
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from openpyxl import Workbook

from cases.models import Case, CaseEvent, CaseState, EventAction, UrgingLevel, holder_overdue_q
from cases.selectors import cases_visible_to
from enterprises.access import roles_for_user
from enterprises.models import Role
from workflow.deadlines import overdue_cutoff
from workflow.models import ClockKind, DeadlineCycle
from workflow.selectors import clock_missed_q
from workflow.workdays import SHANGHAI, WorkCalendar

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


def may_review_overdue(user) -> bool:
    """Supervisors and leaders review their jurisdiction; dispatchers route everything, so they see all."""
    roles = roles_for_user(user)
    return roles.is_dispatcher or roles.is_supervisor or Role.LEADER in roles.roles


def overdue_filtered(
    user,
    *,
    now: datetime,
    calendar: WorkCalendar,
    unit: int | None = None,
    assignee: int | None = None,
    category: int | None = None,
    enterprise: int | None = None,
    min_workdays: int | None = None,
    urging_level: int | None = None,
    urging_level_min: int | None = None,
) -> QuerySet[Case]:
    """Overdue cases the user may see under the filters, bare: for counting as well as for listing."""
    cases = cases_visible_to(user).filter(holder_overdue_q(now))
    if min_workdays:
        cases = cases.filter(holder_overdue_q(overdue_cutoff(calendar, now, min_workdays)))
    filters = {
        "responsible_unit_id": unit,
        "assignee_id": assignee,
        "category_id": category,
        "enterprise_id": enterprise,
        "urging_level": urging_level,
        "urging_level__gte": urging_level_min,
    }
    return cases.filter(**{field: value for field, value in filters.items() if value is not None})


def with_last_event(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with its latest event (action, time, note, actor's names) joined in, not read row by row."""
    latest = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    return cases.annotate(
        last_action=Subquery(latest.values("action")[:1]),
        last_event_at=Subquery(latest.values("created_at")[:1]),
        last_event_note=Subquery(latest.values("note")[:1]),
        last_actor_first_name=Subquery(latest.values("actor__first_name")[:1]),
        last_actor_last_name=Subquery(latest.values("actor__last_name")[:1]),
        last_actor_username=Subquery(latest.values("actor__username")[:1]),
    )


def overdue_cases(user, *, now: datetime, calendar: WorkCalendar, **filters) -> QuerySet[Case]:
    """Overdue cases the user may see, most overdue first, each with its clock, last event and breaches.

    ``filters`` are those of ``overdue_filtered``. Everything a row shows is
    joined or annotated here, so a page or an export chunk costs one query
    whatever its size.
    """
    cases = overdue_filtered(user, now=now, calendar=calendar, **filters)
    # A clock that is running past its due time counts before the sweep marks it breached.
    breaches = (
        DeadlineCycle.objects.filter(case=OuterRef("pk"))
        .filter(clock_missed_q(now))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        with_last_event(cases)
        .annotate(
            due_at=Conditional(When(state=CaseState.OPENED, then=F("response_due_at")), default=F("resolution_due_at")),
            clock=Conditional(
                When(state=CaseState.OPENED, then=Value(ClockKind.ROUTING)), default=Value(ClockKind.RESOLUTION)
            ),
            breached_clocks=Coalesce(Subquery(breaches, output_field=IntegerField()), 0),
        )
        .order_by("due_at", "id")
    )


def overdue_summary(cases: QuerySet[Case]) -> dict[str, list[dict]]:
    """How many of ``cases`` (from ``overdue_filtered``) each unit holds and each urging level has: two
    grouped queries, most first."""
    by_unit = (
        cases.order_by()
        .values("responsible_unit_id", unit_name=F("responsible_unit__name"))
        .annotate(count=Count("pk"))
        .order_by("-count", "unit_name")
    )
    by_level = cases.order_by().values("urging_level").annotate(count=Count("pk")).order_by("-urging_level")
    return {"by_unit": list(by_unit), "by_level": list(by_level)}


def last_actor_name(case: Case) -> str | None:
    """The last event's actor as people are named everywhere (full name, else username); None for the system."""
    if case.last_actor_username is None:
        return None
    full_name = f"{case.last_actor_first_name} {case.last_actor_last_name}".strip()
    return full_name or case.last_actor_username


def last_action_display(case: Case) -> str:
    return str(EventAction(case.last_action).label) if case.last_action else ""


def shanghai_text(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else ""


def in_language(labels: tuple[str, str]) -> str:
    """The Chinese or the English label, the way ``Category.name`` chooses."""
    chinese, english = labels
    return english if (get_language() or "").startswith("en") else chinese


def write_overdue_workbook(cases: QuerySet[Case], *, calendar: WorkCalendar, now: datetime, file: IO[bytes]) -> None:
    """Write the ledger into ``file`` chunk by chunk: write-only openpyxl keeps one row in memory, not the sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=in_language(EXPORT_SHEET_TITLE))
    sheet.append([in_language(labels) for labels in EXPORT_COLUMNS])
    for row in overdue_rows(cases.iterator(chunk_size=EXPORT_CHUNK_ROWS), calendar=calendar, now=now):
        sheet.append(row)
    workbook.save(file)


def overdue_rows(cases: Iterable[Case], *, calendar: WorkCalendar, now: datetime) -> Iterable[list]:
    for case in cases:
        actor = last_actor_name(case)
        action = last_action_display(case)
        yield [
            case.number,
            case.title,
            case.enterprise.name,
            case.category.name,
            case.responsible_unit.name if case.responsible_unit else "",
            (case.assignee.get_full_name() or case.assignee.get_username()) if case.assignee else "",
            shanghai_text(case.due_at),
            str(ClockKind(case.clock).label),
            calendar.workdays_between(case.due_at, now),
            f"{action} · {actor}" if action and actor else action,
            shanghai_text(case.last_event_at),
            str(UrgingLevel(case.urging_level).label),
            shanghai_text(case.urging_answer_due_at),
        ]
