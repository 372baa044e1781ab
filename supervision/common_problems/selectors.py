"""Reads of common problems, through their own gate (``common_problems_visible_to``) of the same shape as the
cases' one; the figures a supervisor reads of a period."""

from typing import TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, Q, QuerySet

from cases.models import Case
from cases.selectors import cases_visible_officially_to, cases_visible_to
from core.errors import NotFound
from enterprises.access import roles_for_user

from ..rates.periods import Period, within
from .models import CommonProblem, CommonProblemLink

TOP = 5


def common_problems_visible_to(user: User | AnonymousUser) -> QuerySet[CommonProblem]:
    """Officials only: dispatchers and the district's overseers see every one; others those of the units they
    work in, head, supervise or lead, and those linking a case they see as officials. An enterprise user sees
    none here: they read the common problem of their own case on the case (``common_problem_of_case``).

    Each row carries ``enterprise_count``: how many enterprises it answers.
    """
    roles = roles_for_user(user)
    problems = _with_enterprise_count()
    if roles.user_id is None or not roles.is_official:
        return problems.none()
    if roles.is_superuser or roles.is_dispatcher or roles.oversees_every_unit:
        return problems
    units = roles.head_unit_ids | roles.cadre_unit_ids | roles.supervised_unit_ids | roles.led_unit_ids
    linked = CommonProblemLink.objects.filter(case__in=cases_visible_officially_to(user)).values("problem_id")
    return problems.filter(Q(unit_id__in=units) | Q(pk__in=linked))


def _with_enterprise_count() -> QuerySet[CommonProblem]:
    return CommonProblem.objects.select_related("category", "unit", "raised_by", "answered_by").annotate(
        enterprise_count=Count("links__case__enterprise", distinct=True)
    )


def common_problem_as_changed(problem: CommonProblem) -> CommonProblem:
    """The row a change just wrote, for the one who wrote it even when the change took it out of their sight
    (given to a unit they do not oversee): their answer is what they did, not a 404. Its cases are still read
    through their own gate (``linked_cases_for_user``)."""
    return _with_enterprise_count().get(pk=problem.pk)


def common_problem_for_user(user: User | AnonymousUser, problem_id: int | str) -> CommonProblem:
    try:
        return common_problems_visible_to(user).get(pk=int(problem_id))
    except (CommonProblem.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def linked_cases_for_user(user: User | AnonymousUser, problem: CommonProblem) -> QuerySet[Case]:
    """The problem's cases that the user sees, in the order they were linked."""
    return cases_visible_to(user).filter(common_problem_link__problem=problem).order_by("common_problem_link__id")


def common_problem_of_case(case: Case) -> CommonProblem | None:
    """The common problem that answers a case the caller already reached through the case gate. For the
    enterprise it says that, and how, its case is answered with others, never whose or how many."""
    return CommonProblem.objects.filter(links__case=case).select_related("unit").first()


def common_problems_of_period(user: User | AnonymousUser, period: Period) -> QuerySet[CommonProblem]:
    """Those raised in the period, open first, by deadline."""
    return (
        common_problems_visible_to(user)
        .filter(within("raised_at", period))
        .order_by(F("answered_at").asc(nulls_first=True), "due_at", "id")
    )


class CategoryCount(TypedDict):
    category_pk: int
    name_zh: str
    name_en: str
    cases: int


class TownshipCount(TypedDict):
    township_pk: int
    name: str
    cases: int


def top_categories(user: User | AnonymousUser, period: Period) -> list[CategoryCount]:
    """The categories that produced most of the cases filed in the period that the user sees: one query, counting
    rows (not ids), so that PostgreSQL reads the period's cases from their filing index alone (cases 0019)."""
    return list(
        cases_visible_to(user)
        .filter(within("filed_at", period))
        .values(category_pk=F("category_id"), name_zh=F("category__name_zh"), name_en=F("category__name_en"))
        .annotate(cases=Count("*"))
        .order_by("-cases", "category_pk")[:TOP]
    )


def top_townships(user: User | AnonymousUser, period: Period) -> list[TownshipCount]:
    """The townships and streets (园区/街道) whose enterprises filed most of the period's cases: one query."""
    return list(
        cases_visible_to(user)
        .filter(within("filed_at", period))
        .values(township_pk=F("enterprise__township_id"), name=F("enterprise__township__name"))
        .annotate(cases=Count("*"))
        .order_by("-cases", "township_pk")[:TOP]
    )
