"""Reads of common problems, through their own gate (``common_problems_visible_to``) of the same shape as the
cases' one; the figures a supervisor reads of a period."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from cases.models import Case, Category
from cases.selectors import cases_visible_in_parts, cases_visible_officially_to, cases_visible_to, visible_cases_q
from core.errors import NotFound
from enterprises.access import roles_for_user
from enterprises.models import Unit

from ..rates.periods import Period, within
from ..rates.selectors import recent_snapshot, snapshot_keep, snapshot_max_age
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
    township_pk: int | None
    name: str | None
    cases: int


@dataclass(frozen=True)
class TopCounts:
    """The categories and the townships with most cases filed in a period, as counted at ``counted_at``."""

    categories: list[CategoryCount]
    townships: list[TownshipCount]
    counted_at: datetime


# The snapshot of a period's top lists for those who see every case (``RatesSnapshot.by``).
SNAPSHOT_BY = "common"


def top_categories_and_townships(user: User | AnonymousUser, period: Period, *, now: datetime) -> TopCounts:
    """The categories that produced most of the cases filed in the period that the user sees, and the townships and
    streets (园区/街道) whose enterprises filed most of them.

    Whoever sees every case (a dispatcher, the district's supervisors and leaders) reads the same lists: a snapshot
    of them taken by the rankings' beat is read while recent (``HUIYIN["RATES_SNAPSHOT_MINUTES"]``), as the rankings
    are; without one they are counted now and kept. Counting them read a month's 230,000 cases of a province and
    joined each to its enterprise, 60 ms and more on every visit. Anyone else's are counted now.
    """
    roles = roles_for_user(user)
    if roles.user_id is not None and visible_cases_q(roles) is None and snapshot_max_age() > timedelta(0):
        kept = recent_snapshot(label=period.label, by=SNAPSHOT_BY, now=now, definitions="")
        if kept is not None:
            categories, townships = kept.counts
            return TopCounts(categories, townships, kept.counted_at)
        return top_counts_take(period=period, now=now)
    return _top_counts(cases_visible_in_parts(user), period, now)


def top_counts_take(*, period: Period, now: datetime) -> TopCounts:
    """Count the period's top lists over every case as of ``now`` and keep them as its snapshot."""
    counted = _top_counts([Case.objects.all()], period, now)
    snapshot_keep(
        label=period.label, by=SNAPSHOT_BY, now=now, definitions="", counts=[counted.categories, counted.townships]
    )
    return counted


def _top_counts(parts: list[QuerySet[Case]], period: Period, now: datetime) -> TopCounts:
    """The top lists of the cases of ``parts`` (disjoint) filed in the period.

    One query counts each part's cases by category and township together (a hundred and fifty groups in a
    district), the parts' counts joined in one ``UNION ALL`` and added up here. Each part is read from an index
    alone on PostgreSQL: every case by its filing time (cases 0019), a unit's by its unit and filing time (0023). As
    one condition, a unit head's cases were read from all the month's cases, each tested on the table.
    """
    counts = [_counted_by_category_and_township(part.filter(within("filed_at", period))) for part in parts]
    rows = counts[0].union(*counts[1:], all=True) if len(counts) > 1 else counts[0]
    categories: dict[int, CategoryCount] = {}
    townships: dict[int | None, TownshipCount] = {}
    for row in rows:
        category = categories.setdefault(
            row["category_id"],
            {
                "category_pk": row["category_id"],
                "name_zh": row["category_name_zh"],
                "name_en": row["category_name_en"],
                "cases": 0,
            },
        )
        category["cases"] += row["cases"]
        township = townships.setdefault(
            row["township_id"], {"township_pk": row["township_id"], "name": row["township_name"], "cases": 0}
        )
        township["cases"] += row["cases"]
    return TopCounts(
        sorted(categories.values(), key=lambda count: (-count["cases"], count["category_pk"]))[:TOP],
        sorted(townships.values(), key=lambda count: (-count["cases"], count["township_pk"] or 0))[:TOP],
        now,
    )


def _counted_by_category_and_township(cases: QuerySet[Case]) -> QuerySet:
    """The cases counted by category and township, rows not ids, so that PostgreSQL reads them from an index."""
    # Grouped by the two ids alone, the names looked up for each group: grouped by the names too, PostgreSQL
    # expected tens of thousands of groups and sorted the month's cases on disk to count them (330 ms).
    the_category = Category.objects.filter(pk=OuterRef("category_id")).order_by()
    the_township = Unit.objects.filter(pk=OuterRef("township_id")).order_by()
    return (
        cases.values("category_id", township_id=F("enterprise__township_id"))
        .annotate(cases=Count("*"))
        .order_by()
        .annotate(
            category_name_zh=Subquery(the_category.values("name_zh")),
            category_name_en=Subquery(the_category.values("name_en")),
            township_name=Subquery(the_township.values("name")),
        )
    )
