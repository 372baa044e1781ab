"""The enterprises the user serves (包联) and the key projects whose task force (专班) the user heads or sits on,
each with its open cases as the user sees them (through the ``cases.selectors`` gate and its narrowings)."""

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from cases.selectors import cases_of_served_enterprises, cases_visible_to
from cases.states import OPEN_STATES
from enterprises.access import roles_for_user
from enterprises.models import Enterprise, KeyProject, TaskForceMember

from ..common_problems.models import CommonProblem, CommonProblemState
from ..common_problems.selectors import common_problems_visible_to

# The board shows the common problems waiting longest; the full list is the common problems page.
BOARD_COMMON_PROBLEMS = 10
# What the board shows of a served enterprise's open case.
OPEN_CASE_COLUMNS = (
    *("id", "enterprise_id", "number", "title", "state", "urging_level", "paused_until"),
    *("response_due_at", "resolution_due_at"),
)


def served_enterprises(user: User) -> QuerySet[Enterprise]:
    """The enterprises the user serves now (包保), by name: a page of them is given its open cases by
    ``with_open_cases``."""
    return Enterprise.objects.filter(pk__any_of=roles_for_user(user).served_enterprise_ids).order_by("name", "id")


def served_enterprise_count(user: User) -> int:
    """The number of ``served_enterprises``, without asking the database: each id served is a service
    assignment's enterprise. Counting a 包保 leader's four thousand in the table took 4 ms."""
    return len(roles_for_user(user).served_enterprise_ids)


def with_open_cases(user: User, enterprises: Sequence[Enterprise]) -> None:
    """Give each enterprise of a page of ``served_enterprises`` its ``open_cases`` as the user sees them (every
    case of an enterprise one serves), the answer due soonest first, in one query by the enterprise index: not
    through the gate's OR with every enterprise a 包保 leader serves."""
    open_cases = (
        cases_of_served_enterprises(user, [enterprise.pk for enterprise in enterprises])
        .filter(state__in=OPEN_STATES)
        .only(*OPEN_CASE_COLUMNS)
        .order_by(F("resolution_due_at").asc(nulls_last=True), "id")
    )
    prefetch_related_objects(list(enterprises), Prefetch("cases", queryset=open_cases, to_attr="open_cases"))


def served_projects(user: User) -> QuerySet[KeyProject]:
    """Active key projects the user leads or serves on, with their task force and ``open_cases``: the open cases
    of the project's enterprise that the user may see."""
    open_cases = (
        cases_visible_to(user)
        .filter(state__in=OPEN_STATES, enterprise=OuterRef("enterprise_id"))
        .order_by()
        .values("enterprise")
        .annotate(count=Count("pk"))
        .values("count")
    )
    task_force = TaskForceMember.objects.select_related("user", "unit").order_by("level", "id")
    return (
        KeyProject.objects.filter(Q(leader=user) | Q(task_force__user=user), is_active=True)
        .distinct()
        .select_related("enterprise", "leader")
        .prefetch_related(Prefetch("task_force", queryset=task_force, to_attr="members"))
        .annotate(open_cases=Coalesce(Subquery(open_cases, output_field=IntegerField()), Value(0)))
        .order_by("name", "id")
    )


def open_common_problems(user: User) -> list[CommonProblem]:
    """Open common problems (共性问题) the user sees, the soonest due first, each one item with its
    ``enterprise_count``."""
    problems = common_problems_visible_to(user).filter(state=CommonProblemState.OPEN).order_by("due_at", "id")
    return list(problems[:BOARD_COMMON_PROBLEMS])
