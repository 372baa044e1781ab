"""Reads of cases. ``cases_visible_to`` is the one gate every list, detail, action and download uses."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import JSONObject, Upper

from core.errors import NotFound
from enterprises.access import UserRoles, roles_for_user

from .models import Attachment, Case, CaseEvent, Comment, Visibility
from .states import OPEN_STATES

CASE_LIST_RELATED = ("enterprise", "category", "assignee", "responsible_unit")
CASE_DETAIL_RELATED = ("filed_by", "project")
# The cases one case names (the case it follows up, its parent, the case it was merged into) and what a page or
# answer shows of them.
NAMED_CASES = ("follows_up", "parent", "merged_into")
NAMED_CASE_COLUMNS = ("id", "number", "title", "state")


def official_cases_q(roles: UserRoles, *, through: str = "") -> Q | None:
    """Cases the user sees in an official capacity (and so with internal notes); None for all.

    ``through`` names the case from another row ("case__" for a rectification, "flag__case__" for an agenda
    item), so that rows hanging off a case are gated by the same condition, joined, not by a list of cases.
    """
    return roles.official_q(
        person=f"{through}assignee", enterprise=f"{through}enterprise", unit=f"{through}responsible_unit"
    )


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """Enterprise users: their enterprise's cases. Cadres: assigned and served. Unit heads: their
    units' subtree. Dispatchers: all. Supervisors and leaders: their jurisdiction."""
    roles = roles_for_user(user)
    if roles.user_id is None:
        return cases_under(None).none()
    return cases_under(visible_cases_q(roles))


def cases_under(visible: Q | None) -> QuerySet[Case]:
    """The cases ``visible`` lets through (the condition ``visible_cases_q`` gives someone; None for all), joined as
    every list shows them.

    One case's page adds the rest (``case_for_user``). A join a list never reads costs the planner and the
    executor on every page of a million-case table."""
    cases = Case.objects.select_related(*CASE_LIST_RELATED)
    return cases if visible is None else cases.filter(visible)


def visible_cases_q(roles: UserRoles) -> Q | None:
    """The condition of ``cases_visible_to`` for a signed-in user; None for all."""
    official = official_cases_q(roles)
    if official is None:
        return None
    if roles.contact_enterprise_ids:
        official |= Q(enterprise_id__in=roles.contact_enterprise_ids)
    return official


def cases_visible_in_parts(user: User | AnonymousUser) -> list[QuerySet[Case]]:
    """``cases_visible_to`` in disjoint parts, for a list to read each in the order of its own index
    (``core.pagination.OrderedUnion``): a unit head's cases of each unit they head, a part each, then the rest
    they see; anyone else's in one part, the gate itself.

    As one OR, the busiest unit's head's list was read in the order of the whole table's index, skipping the
    cases of others (10,000 returned ones come first), and counted by reading an index of all million cases.
    """
    return [part for part, _few in cases_visible_in_sized_parts(user)]


def cases_visible_in_sized_parts(user: User | AnonymousUser) -> list[tuple[QuerySet[Case], bool]]:
    """``cases_visible_in_parts``, each part with whether it holds only a person's few cases: their own and their
    served enterprises' (a cadre's few thousand), not every case of the district or of some unit.

    A list reads few cases fastest by collecting them all and sorting them; walking an index in the list's order
    in the hope of meeting them soon, the database can read a million rows for twenty.
    """
    roles = roles_for_user(user)
    rest_roles = replace(roles, head_unit_ids=frozenset())
    rest = visible_cases_q(rest_roles) if roles.user_id is not None else None
    if not roles.head_unit_ids or rest is None:
        return [(cases_visible_to(user), _sees_few(roles))]
    *units, others = headed_units_apart(
        roles.head_unit_ids, Case.objects.select_related(*CASE_LIST_RELATED).filter(rest)
    )
    return [*((unit, False) for unit in units), (others, _sees_few(rest_roles))]


def _sees_few(roles: UserRoles) -> bool:
    """Whether the cases ``roles`` see are only their own and their served enterprises' (or none)."""
    return roles.user_id is None or not (roles.sees_every_row or roles.sees_whole_units)


def cases_assigned_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases assigned to the user: a narrowing of ``cases_visible_to`` that needs none of its other branches.

    Asked for a cadre's queue, the gate's OR of every branch would make the planner misjudge the rows (the queue's
    own condition repeats one branch) and sort them all; this way the queue reads its index in order and stops at
    the page.
    """
    roles = roles_for_user(user)
    if roles.user_id is None or not roles.is_official:
        return Case.objects.none()
    return Case.objects.select_related(*CASE_LIST_RELATED).filter(assignee_id=roles.user_id)


def cases_held_by(user: User | AnonymousUser) -> list[QuerySet[Case]]:
    """The cases the user answers for, in disjoint parts: as a unit head, those of each unit they head, a part each;
    and those assigned to them outside those units (a cadre's only part).

    A narrowing of ``cases_visible_to`` (every case here is one the gate shows an official). Apart, each part can be
    read in the order of its own index and counted from it (``core.pagination.OrderedUnion``); as one OR, no index
    gives their order, and the busiest unit's head's queue read, joined and sorted 50,000 cases for a page.
    """
    return headed_units_apart(roles_for_user(user).head_unit_ids, cases_assigned_to(user))


def headed_units_apart(head_unit_ids: Iterable[int], rest: QuerySet[Case]) -> list[QuerySet[Case]]:
    """Disjoint parts of a unit head's cases: those of each unit they head, a part each, then ``rest`` outside
    those units (``rest`` alone for anyone who heads none)."""
    unit_ids = sorted(head_unit_ids)
    if not unit_ids:
        return [rest]
    cases = Case.objects.select_related(*CASE_LIST_RELATED)
    return [
        *(cases.filter(responsible_unit_id=unit_id) for unit_id in unit_ids),
        rest.exclude(responsible_unit_id__in=unit_ids),
    ]


def cases_of_served_enterprises(user: User | AnonymousUser, enterprise_ids: Iterable[int]) -> QuerySet[Case]:
    """The cases of those of ``enterprise_ids`` the user serves (包联) now.

    A narrowing of ``cases_visible_to`` that needs none of its other branches: the gate shows every case of an
    enterprise one serves. The served page counts its twenty enterprises' cases by the enterprise index alone,
    not through the gate's OR with the list of every enterprise served (two hundred for a busy cadre).
    """
    served = roles_for_user(user).served_enterprise_ids
    return Case.objects.filter(enterprise_id__in=[pk for pk in enterprise_ids if pk in served])


def case_for_user(user: User | AnonymousUser, case_id: int | str) -> Case:
    """The case if the user may see it; otherwise NotFound, never a hint that it exists."""
    cases = cases_visible_to(user).select_related(*CASE_DETAIL_RELATED).annotate(**named_cases_columns())
    try:
        case = cases.get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    for name in NAMED_CASES:
        row = getattr(case, f"named_{name}")
        if row is not None:  # read by key: PostgreSQL's jsonb keeps its keys in an order of its own
            named = Case.from_db(None, NAMED_CASE_COLUMNS, [row[column] for column in NAMED_CASE_COLUMNS])
            Case._meta.get_field(name).set_cached_value(case, named)
    return case


def named_cases_columns() -> dict[str, Subquery]:
    """The cases a case names, each a subquery of its row by primary key (null when it names none).

    Joined instead, the million-row table three times more made the planner take ten times longer (3.5 ms) than
    the database took to read the case, for cases that mostly name none of them.
    """
    columns = JSONObject(**{column: column for column in NAMED_CASE_COLUMNS})
    return {
        f"named_{name}": Subquery(Case.objects.filter(pk=OuterRef(f"{name}_id")).order_by().values(row=columns))
        for name in NAMED_CASES
    }


def user_sees_internal(user: User | AnonymousUser, case: Case) -> bool:
    """Internal notes reach only those who see the case as officials, never through an enterprise."""
    roles = roles_for_user(user)
    if not roles.is_official:
        return False
    official = official_cases_q(roles)
    return official is None or Case.objects.filter(official, pk=case.pk).exists()


def comments_for_user(
    user: User | AnonymousUser, case: Case, *, sees_internal: bool | None = None
) -> QuerySet[Comment]:
    comments = case.comments.select_related("author")
    if sees_internal is None:
        sees_internal = user_sees_internal(user, case)
    return comments if sees_internal else comments.filter(visibility=Visibility.PUBLIC)


def attachments_for_user(
    user: User | AnonymousUser, case: Case, *, sees_internal: bool | None = None
) -> QuerySet[Attachment]:
    attachments = case.attachments.select_related("uploaded_by")
    if sees_internal is None:
        sees_internal = user_sees_internal(user, case)
    return attachments if sees_internal else attachments.filter(visibility=Visibility.PUBLIC)


def events_for_user(
    user: User | AnonymousUser, case: Case, *, sees_internal: bool | None = None
) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor")
    if sees_internal is None:
        sees_internal = user_sees_internal(user, case)
    return events if sees_internal else events.filter(is_internal=False)


def rows_of_cases_visible_officially_to(
    user: User | AnonymousUser, rows: QuerySet, *, through: str, few: bool = False
) -> QuerySet:
    """``rows`` (rectifications, appeals, extension requests…) of the cases the user sees as an official.

    The gate of whole units (a unit head's, an overseer's) is joined: the database tests each row's case from one
    index (cases migration 0018), and a page in the rows' order stops at its twenty. The gate of the user's own
    cases and their served enterprises' is a few thousand cases, each branch's ids read from an index alone (cases
    migration 0024), and the rows found by their case: joined instead, a cadre's 134 rectifications were found by
    testing the case of all 22,000 (50 ms at a million cases, the planner misjudging the OR of 203 enterprises).
    Rows that are ``few`` whatever the district's size (a meeting's pool of flags) are joined for everyone: testing
    a hundred rows' cases costs less than listing a cadre's cases (the pool's page 12 ms, not 17).
    """
    roles = roles_for_user(user)
    if roles.user_id is None or not roles.is_official:
        return rows.none()
    official = official_cases_q(roles, through=through)
    if official is None:
        return rows
    if few or roles.sees_whole_units:
        return rows.filter(official)
    return rows.filter(**{f"{through}any_of": official_case_ids(roles)})


def rows_of_cases_visible_officially_in_parts(
    user: User | AnonymousUser, rows: QuerySet, *, through: str
) -> list[QuerySet]:
    """``rows_of_cases_visible_officially_to`` in disjoint parts, to count them (``core.pagination.total_of``): a
    unit head's rows of the cases of the units they head, then those of the rest of their cases; anyone else's in
    one part, the gate itself.

    Apart, the database reads the units' cases in the order of their ids from an index (cases migration 0024) and
    merges them with the rows' cases, not testing each row's case: the busiest unit's head's 2,737 rectifications
    of 22,343 counted in 12 ms, not 36. A page of rows in their own order is read through the gate as one.
    """
    roles = roles_for_user(user)
    gate = rows_of_cases_visible_officially_to(user, rows, through=through)
    heads_only = roles.head_unit_ids and not (roles.supervised_unit_ids or roles.led_unit_ids)
    if not heads_only or official_cases_q(roles) is None:
        return [gate]
    head_unit_ids = sorted(roles.head_unit_ids)
    in_units = Case.objects.filter(responsible_unit_id__in=head_unit_ids).order_by().values("pk")
    rest = official_case_ids(replace(roles, head_unit_ids=frozenset()), outside_units=head_unit_ids)
    return [rows.filter(**{f"{through}in": in_units}), rows.filter(**{f"{through}any_of": rest})]


def official_case_ids(roles: UserRoles, *, outside_units: Iterable[int] = ()) -> QuerySet:
    """The ids of the cases an official sees through a gate of no whole unit (their own, their served enterprises'),
    outside the given units: a query for each branch of the gate, each read from an index of its own (cases
    migration 0024)."""
    branches = roles.official_branches(person="assignee", enterprise="enterprise", unit="responsible_unit")
    cases = Case.objects.exclude(responsible_unit_id__in=outside_units) if outside_units else Case.objects.all()
    first, *others = (cases.filter(branch).order_by().values("pk") for branch in branches or ())
    return first.union(*others, all=True) if others else first


def cases_visible_officially_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases the user sees as an official, and so with what is internal to government: rectifications,
    appeals, extensions and notes hang off these. An enterprise user sees none this way."""
    official = official_cases_q(roles_for_user(user))
    return Case.objects.all() if official is None else Case.objects.filter(official)


# --- similar open cases (共性问题 / 并单 suggestions) ---------------------------------------------------------

SIMILAR_LIMIT = 5
# On SQLite the candidates are scored in Python: the newest open cases of the same category or township.
SIMILAR_CANDIDATES = 200
# Below this likeness of the texts (0–1) a case is not suggested, whatever it shares besides.
SIMILAR_THRESHOLD = 0.3


@dataclass(frozen=True)
class SimilarCase:
    """An open case that may be the same problem, with what makes it look so."""

    case: Case
    score: float
    same_category: bool
    same_township: bool
    same_enterprise: bool


def similar_open_cases(user: User | AnonymousUser, case: Case, *, limit: int = SIMILAR_LIMIT) -> list[SimilarCase]:
    """Open cases the user sees that look like ``case``: a similar title, the same category first, then the same
    township (园区/街道); the enterprise's own duplicates are the candidates to merge (并单), other enterprises'
    the makings of a common problem (共性问题).

    One query. On PostgreSQL the title's trigram likeness (``%``) is read from the partial index of open
    titles (cases migration 0013), so the table's size does not matter; SQLite scores a bounded list.
    """
    township_id = case.enterprise.township_id
    candidates = (
        cases_visible_to(user)
        .filter(state__in=OPEN_STATES)
        .exclude(pk=case.pk)
        .annotate(
            same_category=ExpressionWrapper(Q(category_id=case.category_id), output_field=BooleanField()),
            same_township=ExpressionWrapper(Q(enterprise__township_id=township_id), output_field=BooleanField()),
        )
    )
    if connection.vendor == "postgresql":
        title = Upper(Value(case.title))
        rows = (
            candidates.filter(TrigramSimilar(Upper("title"), title))
            .annotate(likeness=TrigramSimilarity(Upper("title"), title))  # type: ignore[arg-type]  # an expression works
            .order_by("-same_category", "-same_township", "-likeness", "-filed_at")[:limit]
        )
        scored: list[tuple[Any, float]] = [(row, row.likeness) for row in rows]  # rows annotated as they go
    else:
        recent = candidates.filter(Q(category_id=case.category_id) | Q(enterprise__township_id=township_id)).order_by(
            "-filed_at"
        )[:SIMILAR_CANDIDATES]
        scored = [(row, _likeness(case.title, row.title)) for row in recent]
        scored = [(row, score) for row, score in scored if score >= SIMILAR_THRESHOLD]
        scored.sort(key=lambda pair: (not pair[0].same_category, not pair[0].same_township, -pair[1]))
        scored = scored[:limit]
    return [
        SimilarCase(
            case=row,
            score=round(float(score), 3),
            same_category=bool(row.same_category),
            same_township=bool(row.same_township),
            same_enterprise=row.enterprise_id == case.enterprise_id,
        )
        for row, score in scored
    ]


def _likeness(first: str, second: str) -> float:
    """SQLite's stand-in for trigram similarity: the share of matching characters of the two titles."""
    return SequenceMatcher(None, first.upper(), second.upper()).ratio()
