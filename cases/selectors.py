"""Reads of cases. ``cases_visible_to`` is the one gate every list, detail, action and download uses."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from core.errors import NotFound
from enterprises.access import UserRoles, roles_for_user

from .models import Attachment, Case, CaseEvent, Comment, Visibility

CASE_LIST_RELATED = ("enterprise", "category", "assignee", "responsible_unit")
CASE_DETAIL_RELATED = ("filed_by", "follows_up", "parent", "project")


def official_cases_q(roles: UserRoles, *, through: str = "") -> Q | None:
    """Cases the user sees in an official capacity (and so with internal notes); None for all.

    ``through`` names the case from another row ("case__" for a rectification, "flag__case__" for an agenda
    item), so that rows hanging off a case are gated by the same condition, joined, not by a list of cases.
    """
    # Overseeing every unit covers every case: each case's enterprise lies in a township, itself a unit. Saying
    # so spares the database a join of every enterprise on every count of a district-wide supervisor's lists.
    if roles.is_superuser or roles.is_dispatcher or roles.oversees_every_unit:
        return None
    overseen = roles.supervised_unit_ids | roles.led_unit_ids
    q = Q(**{f"{through}pk__in": []})
    if roles.user_id is not None and roles.is_official:
        q |= Q(**{f"{through}assignee_id": roles.user_id})
    if roles.served_enterprise_ids:
        q |= Q(**{f"{through}enterprise_id__in": roles.served_enterprise_ids})
    if roles.head_unit_ids:
        q |= Q(**{f"{through}responsible_unit_id__in": roles.head_unit_ids})
    if overseen:
        q |= Q(**{f"{through}responsible_unit_id__in": overseen}) | Q(
            **{f"{through}enterprise__township_id__in": overseen}
        )
    return q


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """Enterprise users: their enterprise's cases. Cadres: assigned and served. Unit heads: their
    units' subtree. Dispatchers: all. Supervisors and leaders: their jurisdiction."""
    roles = roles_for_user(user)
    # What every list shows; one case's page adds the rest (``case_for_user``). A join a list never reads
    # costs the planner and the executor on every page of a million-case table.
    cases = Case.objects.select_related(*CASE_LIST_RELATED)
    if roles.user_id is None:
        return cases.none()
    official = official_cases_q(roles)
    if official is None:
        return cases
    q = official
    if roles.contact_enterprise_ids:
        q |= Q(enterprise_id__in=roles.contact_enterprise_ids)
    return cases.filter(q)


def cases_held_by(user: User | AnonymousUser, *, as_head: bool = True) -> QuerySet[Case]:
    """The cases the user answers for: assigned to them and, as a unit head, held by the units they head.

    A narrowing of ``cases_visible_to`` that needs none of its other branches (every case here is one the
    gate shows an official). Asked for a cadre's queue, the gate's OR of every branch would make the
    planner misjudge the rows (the queue's own condition repeats one branch) and sort them all; this
    way the queue reads its index in order and stops at the page.
    """
    roles = roles_for_user(user)
    if roles.user_id is None or not roles.is_official:
        return Case.objects.none()
    held = Q(assignee_id=roles.user_id)
    if as_head and roles.head_unit_ids:
        held |= Q(responsible_unit_id__in=roles.head_unit_ids)
    return Case.objects.select_related(*CASE_LIST_RELATED).filter(held)


def case_for_user(user: User | AnonymousUser, case_id: int | str) -> Case:
    """The case if the user may see it; otherwise NotFound, never a hint that it exists."""
    try:
        return cases_visible_to(user).select_related(*CASE_DETAIL_RELATED).get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


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


def rows_of_cases_visible_officially_to(user: User | AnonymousUser, rows: QuerySet, *, through: str) -> QuerySet:
    """``rows`` (rectifications, appeals, extension requests…) of the cases the user sees as an official."""
    roles = roles_for_user(user)
    if roles.user_id is None or not roles.is_official:
        return rows.none()
    official = official_cases_q(roles, through=through)
    return rows if official is None else rows.filter(official)


def cases_visible_officially_to(user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases the user sees as an official, and so with what is internal to government: rectifications,
    appeals, extensions and notes hang off these. An enterprise user sees none this way."""
    official = official_cases_q(roles_for_user(user))
    return Case.objects.all() if official is None else Case.objects.filter(official)
