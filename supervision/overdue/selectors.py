"""The overdue review: open cases whose running clock ran out, for those who oversee them.

A case is overdue on the clock that is the current holder's to meet: an
assigned case on its resolution clock, an opened one (new or sent back) on the
dispatcher's routing clock. Both due times are mirrored on the case row under
partial indexes over open states, so the review is a plain indexed query; the
working days late are counted in Python with the calendar, a page at a time.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from django.contrib.auth.models import User
from django.db.models import Case as Conditional
from django.db.models import Count, F, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models import Case, CaseEvent, CaseState, EventAction, holder_due, holder_overdue_q
from cases.selectors import cases_under, cases_visible_to, visible_cases_q
from core.pagination import with_total
from core.people import person_name
from core.statements import STAND_IN_ID, STAND_IN_MOMENT, CompiledOnce
from enterprises.access import roles_for_user
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
    min_workdays: int | None = None,
    **filters: int | None,
) -> QuerySet[Case]:
    """Overdue cases the user may see under the filters, bare: for counting as well as for listing.

    ``filters`` are ``unit``, ``assignee``, ``category``, ``enterprise``, ``urging_level`` and ``urging_level_min``
    (``overdue_among``'s); ``min_workdays`` asks for cases at least that many working days late."""
    return overdue_among(
        cases_visible_to(user), now=now, late_before=late_since(calendar, now, min_workdays), **filters
    )


def late_since(calendar: WorkCalendar, now: datetime, min_workdays: int | None) -> datetime | None:
    """The due time before which a case is at least ``min_workdays`` working days late; None for no such bound."""
    return overdue_cutoff(calendar, now, min_workdays) if min_workdays else None


class OverdueNarrowing(TypedDict, total=False):
    """What ``overdue_among`` narrows the overdue cases by."""

    late_before: datetime | None
    unit: int | None
    assignee: int | None
    category: int | None
    enterprise: int | None
    urging_level: int | None
    urging_level_min: int | None


# The column each of ``OverdueNarrowing``'s values but ``late_before`` narrows by.
NARROWED_COLUMNS = {
    "unit": "responsible_unit_id",
    "assignee": "assignee_id",
    "category": "category_id",
    "enterprise": "enterprise_id",
    "urging_level": "urging_level",
    "urging_level_min": "urging_level__gte",
}


def overdue_among(cases: QuerySet[Case], *, now: datetime, **narrowing: Unpack[OverdueNarrowing]) -> QuerySet[Case]:
    """Those of ``cases`` overdue at ``now``, narrowed (``late_before``: overdue since before it)."""
    cases = cases.filter(holder_overdue_q(now))
    late_before = narrowing.get("late_before")
    if late_before is not None:
        cases = cases.filter(holder_overdue_q(late_before))
    given = {name: value for name, value in narrowing.items() if name != "late_before" and value is not None}
    return cases.filter(**{NARROWED_COLUMNS[name]: value for name, value in given.items()})


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


@dataclass(frozen=True)
class LastEvent:
    """A case's latest event as the lists show it: what was done, when, with which note, and by whom (no actor
    for the system)."""

    action: str | None = None
    created_at: datetime | None = None
    note: str | None = None
    actor_first_name: str | None = None
    actor_last_name: str | None = None
    actor_username: str | None = None

    @property
    def actor_name(self) -> str | None:
        """The actor as people are named everywhere (full name, else username); None for the system."""
        if self.actor_username is None:
            return None
        return person_name(
            first_name=self.actor_first_name, last_name=self.actor_last_name, username=self.actor_username
        )

    @property
    def action_display(self) -> str:
        return str(EventAction(self.action).label) if self.action else ""


# A case has its filing event from the start; this stands in should one ever have none.
NO_EVENT = LastEvent()


class LastEventDecoder(json.JSONDecoder):
    """Reads the latest event's JSON object (``with_last_event``) into a ``LastEvent``. Its time comes as text:
    ISO 8601 with the offset from PostgreSQL, SQLite's stored UTC without one."""

    def __init__(self) -> None:
        super().__init__(object_hook=self.last_event)

    @staticmethod
    def last_event(fields: dict) -> LastEvent:
        created_at = parse_datetime(fields["created_at"]) if fields["created_at"] else None
        if created_at is not None and timezone.is_naive(created_at):
            created_at = timezone.make_aware(created_at, UTC)
        return LastEvent(**{**fields, "created_at": created_at})


class WithLastEvent(TypedDict):
    """What ``with_last_event`` adds to each case."""

    last_event: LastEvent | None


def with_last_event(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Each case with its latest event (action, time, note, actor's names) as ``last_event``, not read row by row.

    One correlated subquery gives the whole event as a JSON object: six, one a column, cost the database's
    planner and Django's compiler on every page of a million-case list, and read the same row six times.
    """
    return cases.annotate(last_event=_latest_event())


@cache
def _latest_event() -> Subquery:
    """Built once per process: it depends on nothing of the request, and annotating resolves a copy of it."""
    latest = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    event = JSONObject(
        action="action",
        created_at="created_at",
        note="note",
        actor_first_name="actor__first_name",
        actor_last_name="actor__last_name",
        actor_username="actor__username",
    )
    return Subquery(latest.values(event=event)[:1], output_field=JSONField(decoder=LastEventDecoder))


# The columns a row shows on the list, the board (its urging form and whether the user supervises the case
# included) and the export. The cases' other columns and their relations' (descriptions, replies, a password)
# cost a millisecond or more a page at a million cases to read and build into models no one looked at.
OVERDUE_ROW_FIELDS = (
    "number",
    "title",
    "state",
    "version",
    "urging_level",
    "urging_answer_due_at",
    "enterprise__name",
    "enterprise__township_id",
    "category__name_zh",
    "category__name_en",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "responsible_unit__name",
)


def overdue_cases(
    user: User, *, now: datetime, calendar: WorkCalendar, counted: bool = False, **filters: int | None
) -> QuerySet[Case]:
    """Overdue cases the user may see, most overdue first, each with its clock, last event and breaches.

    ``filters`` are those of ``overdue_filtered``. Everything a row shows is
    joined or annotated here, so a page or an export chunk costs one query
    whatever its size; nothing else is read. ``counted`` adds the number of
    all of them to each row as ``total``, counted once by the database in the
    page's own query (a subquery that depends on no row): a page and its
    paginator's count in one round trip rather than two.
    """
    return overdue_rows(overdue_filtered(user, now=now, calendar=calendar, **filters), now=now, counted=counted)


def overdue_rows(cases: QuerySet[Case], *, now: datetime, counted: bool) -> QuerySet[Case]:
    """``cases`` (overdue at ``now``) as ``overdue_cases`` lists them."""
    # A clock that is running past its due time counts before the sweep marks it breached.
    breaches = (
        DeadlineCycle.objects.filter(case=OuterRef("pk"))
        .filter(clock_missed_q(now))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        with_last_event(cases)
        .annotate(
            due_at=holder_due(),
            clock=Conditional(
                When(state=CaseState.OPENED, then=Value(ClockKind.ROUTING)), default=Value(ClockKind.RESOLUTION)
            ),
            breached_clocks=Coalesce(Subquery(breaches, output_field=IntegerField()), 0),
        )
        .only(*OVERDUE_ROW_FIELDS)
        .order_by("due_at", "id")
    )
    if not counted:
        return rows
    return with_total(rows, matches=cases)


# Stand-ins for the values of a compiled first page (``overdue_first_page``), each its own: the statement's other
# parameters are states, clock kinds and a 0; an urging level's is within its small column's range.
STAND_INS: dict[str, Any] = {
    "late_before": STAND_IN_MOMENT + timedelta(microseconds=1),
    "unit": STAND_IN_ID + 1,
    "assignee": STAND_IN_ID + 2,
    "category": STAND_IN_ID + 3,
    "enterprise": STAND_IN_ID + 4,
    "urging_level": 32_001,
    "urging_level_min": 32_002,
}


def overdue_first_page(
    user: User, *, now: datetime, calendar: WorkCalendar, size: int, columns: tuple[str, ...], **filters: int | None
) -> list[tuple] | None:
    """The first ``size`` rows of ``overdue_cases(counted=True)`` as named tuples of ``columns`` (None for someone
    signed out, whose list is read as any other).

    The statement is compiled once per shape (the viewer's gate, which filters are given, the columns, the size),
    with stand-ins for the moments and the filters' values: building and compiling it took 2.5 and 2.4 ms of a
    district supervisor's 14 ms request at a million cases, each time for the same SQL. The gate's condition is
    part of the key, values and all (``visible_cases_q``), so a statement is only ever run for viewers who see
    exactly the cases it was compiled for.
    """
    roles = roles_for_user(user)
    if roles.user_id is None:
        return None
    late_before = late_since(calendar, now, filters.pop("min_workdays", None))
    values: dict[str, int | datetime] = {name: value for name, value in filters.items() if value is not None}
    if late_before is not None:
        values["late_before"] = late_before
    statement = _compiled_first_page(visible_cases_q(roles), tuple(sorted(values)), columns, size)
    return statement.named(now=now, **values)


@lru_cache(maxsize=256)
def _compiled_first_page(
    visible: Q | None, given: tuple[str, ...], columns: tuple[str, ...], size: int
) -> CompiledOnce:
    """The first page's statement for one shape, each of the ``given`` values of ``overdue_among`` by its
    stand-in."""

    def build(*, now: datetime, **given_values: Unpack[OverdueNarrowing]) -> QuerySet:
        cases = overdue_among(cases_under(visible), now=now, **given_values)
        return overdue_rows(cases, now=now, counted=True).values_list(*columns, named=True)[:size]

    return CompiledOnce(build, now=STAND_IN_MOMENT, **{name: STAND_INS[name] for name in given})


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


def last_event_of(case: "WithAnnotations[Case, WithLastEvent]") -> LastEvent:
    return case.last_event or NO_EVENT
