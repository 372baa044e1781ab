"""The overdue review: open cases whose running clock ran out, for those who oversee them.

A case is overdue on the clock that is the current holder's to meet: an
assigned case on its resolution clock, an opened one (new or sent back) on the
dispatcher's routing clock. Both due times are mirrored on the case row under
partial indexes over open states, so the review is a plain indexed query; the
working days late are counted in Python with the calendar, a page at a time.
"""

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth.models import User
from django.db.models import Case as Conditional
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from cases.models import Case, CaseEvent, CaseState, EventAction, holder_due, holder_overdue_q
from cases.selectors import cases_visible_to
from workflow.deadlines import overdue_cutoff
from workflow.models import ClockKind, DeadlineCycle
from workflow.selectors import clock_missed_q
from workflow.workdays import WorkCalendar

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def overdue_filtered(
    user: User,
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


def paused_cases(
    user: User,
    *,
    unit: int | None = None,
    assignee: int | None = None,
    category: int | None = None,
    enterprise: int | None = None,
    **_overdue_only: int | None,
) -> QuerySet[Case]:
    """Cases the user may see whose resolution clock is paused (挂起), soonest to resume first, under the board's
    filters of whom and what (how late and how urged are the overdue list's own). A paused case has no deadline
    and so is never overdue; the board lists it beside the overdue ones, so that no case leaves the supervisors'
    sight by being paused."""
    filters = {
        "responsible_unit_id": unit,
        "assignee_id": assignee,
        "category_id": category,
        "enterprise_id": enterprise,
    }
    return (
        cases_visible_to(user)
        .filter(state=CaseState.ASSIGNED, paused_until__isnull=False)
        .filter(**{field: value for field, value in filters.items() if value is not None})
        .order_by("paused_until", "id")
    )


class LastEvent(TypedDict):
    """What ``with_last_event`` adds to each case."""

    last_action: str | None
    last_event_at: datetime | None
    last_event_note: str | None
    last_actor_first_name: str | None
    last_actor_last_name: str | None
    last_actor_username: str | None


class OverdueRow(LastEvent):
    """What ``overdue_cases`` adds to each case besides its last event."""

    clock: str
    due_at: datetime
    breached_clocks: int


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


def overdue_cases(user: User, *, now: datetime, calendar: WorkCalendar, **filters: int | None) -> QuerySet[Case]:
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
            due_at=holder_due(),
            clock=Conditional(
                When(state=CaseState.OPENED, then=Value(ClockKind.ROUTING)), default=Value(ClockKind.RESOLUTION)
            ),
            breached_clocks=Coalesce(Subquery(breaches, output_field=IntegerField()), 0),
        )
        .order_by("due_at", "id")
    )


def overdue_summary(cases: QuerySet[Case]) -> dict:
    """How many of ``cases`` (from ``overdue_filtered``) each unit holds and each urging level has, most first,
    and their total: one grouped query by unit and level, added up here.

    Counted apart, the levels' query was planned in parallel at a million cases, and starting the workers
    cost more than the count.
    """
    rows = (
        cases.order_by()
        .values("responsible_unit_id", "urging_level", unit_name=F("responsible_unit__name"))
        .annotate(count=Count("pk"))
        .order_by("unit_name", "responsible_unit_id")  # the database's collation names the ties' order
    )
    by_unit: dict[int | None, dict] = {}
    by_level: dict[int, int] = defaultdict(int)
    for row in rows:
        unit = by_unit.setdefault(
            row["responsible_unit_id"],
            {"responsible_unit_id": row["responsible_unit_id"], "unit_name": row["unit_name"], "count": 0},
        )
        unit["count"] += row["count"]
        by_level[row["urging_level"]] += row["count"]
    return {
        "by_unit": sorted(by_unit.values(), key=lambda unit: -unit["count"]),  # stable: names stay in order
        "by_level": [{"urging_level": level, "count": by_level[level]} for level in sorted(by_level, reverse=True)],
        "total": sum(by_level.values()),
    }


def last_actor_name(case: "WithAnnotations[Case, LastEvent]") -> str | None:
    """The last event's actor as people are named everywhere (full name, else username); None for the system."""
    if case.last_actor_username is None:
        return None
    full_name = f"{case.last_actor_first_name} {case.last_actor_last_name}".strip()
    return full_name or case.last_actor_username


def last_action_display(case: "WithAnnotations[Case, LastEvent]") -> str:
    return str(EventAction(case.last_action).label) if case.last_action else ""
