"""Reads of key projects through their one gate, and the board: every project as a row of node states."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.db.models import DecimalField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import pgettext_lazy

from cases.models import Case
from cases.selectors import cases_visible_to
from cases.states import OPEN_STATES
from core.errors import NotFound
from enterprises.access import roles_for_user
from enterprises.models import KeyProject
from workflow.workdays import WorkCalendar

from .models import Milestone, MilestoneKind, ProjectInvestment, ProjectYearPlan
from .permissions import official_projects_q

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ProjectFigures(TypedDict):
    """What ``projects_with_figures`` adds to each project: its planned nodes and the year's figures."""

    planned_nodes: list[Milestone]
    planned_investment: Decimal | None
    completed_investment: Decimal
    open_cases: int


class MilestoneState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("milestone state", "Planned")
    DUE_SOON = "due_soon", pgettext_lazy("milestone state", "Due soon")
    LATE = "late", pgettext_lazy("milestone state", "Late")
    DONE = "done", pgettext_lazy("milestone state", "Done on time")
    DONE_LATE = "done_late", pgettext_lazy("milestone state", "Done late")


def projects_visible_to(user: User | AnonymousUser) -> QuerySet[KeyProject]:
    """The one gate of key projects: officially (``official_projects_q``) or as the enterprise's contact."""
    roles = roles_for_user(user)
    projects = KeyProject.objects.select_related("enterprise", "leader")
    if roles.user_id is None:
        return projects.none()
    official = official_projects_q(user)
    if official is None:
        return projects
    return projects.filter(official | Q(enterprise_id__in=roles.contact_enterprise_ids))


def project_for_user(user: User | AnonymousUser, project_id: int | str) -> KeyProject:
    """The project if the user may see it, with ``sees_internal`` set; otherwise NotFound, never a hint."""
    try:
        project = projects_visible_to(user).get(pk=int(project_id))
    except (KeyProject.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
    official = official_projects_q(user)
    project.sees_internal = official is None or KeyProject.objects.filter(official, pk=project.pk).exists()  # type: ignore[attr-defined]  # the reader's, on the instance
    return project


def remind_from(planned_on: date, calendar: WorkCalendar) -> datetime:
    """The start of the working day that many working days before the planned date: a node is due soon from then."""
    day = planned_on
    for _step in range(settings.HUIYIN["MILESTONE_REMIND_WORKDAYS"]):
        day = calendar.previous_workday(day)
    return calendar.start_of_day(day)


def milestone_state(milestone: Milestone, *, calendar: WorkCalendar, now: datetime) -> MilestoneState:
    """Done on time or late by its dates; otherwise late once its planned day is over, due soon from the
    reminder before it."""
    if milestone.done_on is not None:
        return MilestoneState.DONE if milestone.done_on <= milestone.planned_on else MilestoneState.DONE_LATE
    if calendar.local_date(now) > milestone.planned_on:
        return MilestoneState.LATE
    if now >= remind_from(milestone.planned_on, calendar):
        return MilestoneState.DUE_SOON
    return MilestoneState.PLANNED


def milestone_kinds() -> list[MilestoneKind]:
    return list(MilestoneKind.objects.filter(is_active=True))


def open_cases_of(user: User | AnonymousUser, project: KeyProject) -> QuerySet[Case]:
    """The open problems filed against the project that the user may see: what blocks its nodes."""
    return cases_visible_to(user).filter(project=project, state__in=OPEN_STATES).order_by("filed_at", "id")


@dataclass
class BoardCell:
    kind: MilestoneKind
    milestone: Milestone | None
    state: MilestoneState | None


@dataclass
class BoardRow:
    project: KeyProject
    cells: list[BoardCell]
    planned_investment: Decimal | None
    completed_investment: Decimal
    open_cases: int

    @property
    def states(self) -> set[str]:
        return {cell.state for cell in self.cells if cell.state}


def projects_with_figures(
    user: User | AnonymousUser, *, year: int
) -> "QuerySet[WithAnnotations[KeyProject, ProjectFigures]]":
    """Visible projects with the year's planned and completed investment and their open cases the user
    sees, each a subquery: the board's cost does not grow with its rows."""
    plan = ProjectYearPlan.objects.filter(project=OuterRef("pk"), year=year).values("planned_investment")
    completed = (
        ProjectInvestment.objects.filter(project=OuterRef("pk"), month__year=year)
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    open_cases = (
        cases_visible_to(user)
        .filter(project=OuterRef("pk"), state__in=OPEN_STATES)
        .order_by()
        .values("project")
        .annotate(count=models.Count("pk"))
        .values("count")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    milestones = Milestone.objects.select_related("kind")
    return (
        projects_visible_to(user)
        .prefetch_related(Prefetch("milestones", queryset=milestones, to_attr="planned_nodes"))
        .annotate(
            planned_investment=Subquery(plan, output_field=money),
            completed_investment=Coalesce(Subquery(completed, output_field=money), Value(Decimal(0), money)),
            open_cases=Coalesce(Subquery(open_cases, output_field=IntegerField()), Value(0)),
        )
        .order_by("name", "id")
    )


def board_rows(
    user: User | AnonymousUser,
    *,
    calendar: WorkCalendar,
    now: datetime,
    state: str = "",
    leader_id: int | None = None,
) -> tuple[list[MilestoneKind], list[BoardRow]]:
    """The board: the active node kinds (its columns) and one row per active project the user sees, optionally only
    those with a node in ``state`` or led by one leader."""
    kinds = milestone_kinds()
    projects = projects_with_figures(user, year=calendar.local_date(now).year).filter(is_active=True)
    if leader_id is not None:
        projects = projects.filter(leader_id=leader_id)
    rows = []
    for project in projects:
        by_kind = {milestone.kind_id: milestone for milestone in project.planned_nodes}
        cells = [
            BoardCell(
                kind=kind,
                milestone=by_kind.get(kind.pk),
                state=milestone_state(by_kind[kind.pk], calendar=calendar, now=now) if kind.pk in by_kind else None,
            )
            for kind in kinds
        ]
        row = BoardRow(
            project=project,
            cells=cells,
            planned_investment=project.planned_investment,
            completed_investment=project.completed_investment,
            open_cases=project.open_cases,
        )
        if not state or state in row.states:
            rows.append(row)
    return kinds, rows
