"""Reads of visits and visit duties, each through one gate of the shape of ``cases.selectors``.

Officials see the visits and duties of what they answer for: the enterprises they serve now, the visits they
made, their units' (unit heads, the units below included), their jurisdiction's (supervisors and leaders, by the
responsible unit or the enterprise's township); dispatchers see every one. An enterprise's contacts see its own
visits, without what was discussed, and no duties. Nobody else sees any: a row outside the gate is a 404.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import BooleanField, ExpressionWrapper, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value

from cases.models import Case
from core.errors import NotFound
from enterprises.access import UserRoles, roles_for_user
from enterprises.models import Enterprise, ServiceAssignment

from .models import Visit, VisitDuty, VisitProblem

VISIT_RELATED = ("enterprise", "visitor", "unit")


def official_visits_q(roles: UserRoles) -> Q | None:
    """Visits the user sees as an official, and so with what was discussed; None for all."""
    return roles.official_q(person="visitor", enterprise="enterprise", unit="unit")


def visits_visible_to(user: User | AnonymousUser) -> QuerySet[Visit]:
    """Every visit the user may see, each with ``sees_notes``: whether the user sees it as an official."""
    return _visits_seen_with(roles_for_user(user))


def _visits_seen_with(roles: UserRoles) -> QuerySet[Visit]:
    visits = Visit.objects.select_related(*VISIT_RELATED)
    if roles.user_id is None:
        return visits.none()
    official = official_visits_q(roles)
    if official is None:
        return visits.annotate(sees_notes=Value(True, output_field=BooleanField()))
    seen = official | Q(enterprise_id__in=roles.contact_enterprise_ids) if roles.contact_enterprise_ids else official
    return visits.filter(seen).annotate(sees_notes=ExpressionWrapper(official, output_field=BooleanField()))


def with_cases(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The cases filed from each visit, loaded for the whole list in one more query. They are the enterprise's
    own problems, so whoever sees the visit sees which they are."""
    problems = VisitProblem.objects.select_related("case").order_by("id")
    return visits.prefetch_related(Prefetch("problems", queryset=problems))


def visit_for_user(user: User | AnonymousUser, visit_id: int | str) -> Visit:
    """The visit if the user may see it; otherwise NotFound, never a hint that it exists."""
    try:
        return with_cases(visits_visible_to(user)).get(pk=int(visit_id))
    except (Visit.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def official_duties_q(roles: UserRoles) -> Q | None:
    """Duties the user sees: their own, their served enterprises', their units', their jurisdiction's."""
    return roles.official_q(person="person", enterprise="enterprise", unit="unit")


def duties_visible_to(user: User | AnonymousUser) -> QuerySet[VisitDuty]:
    """Visit duties are government business: an enterprise user sees none."""
    return _duties_seen_with(roles_for_user(user))


def _duties_seen_with(roles: UserRoles) -> QuerySet[VisitDuty]:
    duties = VisitDuty.objects.select_related("enterprise", "person", "unit")
    if roles.user_id is None or not roles.is_official:
        return duties.none()
    official = official_duties_q(roles)
    return duties if official is None else duties.filter(official)


def duties_held_by(user: User | AnonymousUser) -> QuerySet[VisitDuty]:
    """The duties the user owes: their own, and at the unit's level those of the units they head directly."""
    roles = roles_for_user(user)
    if roles.user_id is None or not roles.is_official:
        return VisitDuty.objects.none()
    held = Q(person_id=roles.user_id)
    if roles.direct_head_unit_ids:
        held |= Q(level="unit", unit_id__in=roles.direct_head_unit_ids)
    return VisitDuty.objects.filter(held).select_related("enterprise", "enterprise__township", "unit", "person")


def last_visit_q() -> Subquery:
    """The moment of an enterprise's latest visit, for annotating a list of enterprises in its own query."""
    latest = Visit.objects.filter(enterprise_id=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1]
    return Subquery(latest)


def latest_visits(enterprise_ids: Iterable[int]) -> dict[int, Visit]:
    """The latest visit of each enterprise, with its visitor: two queries for any number of enterprises."""
    ids = list(enterprise_ids)
    latest = (
        Visit.objects.filter(enterprise_id__in=ids)
        .values("enterprise_id")
        .annotate(at=Max("visited_at"))
        .values_list("enterprise_id", "at")
    )
    wanted = Q(pk__in=[])
    for enterprise_id, at in latest:
        wanted |= Q(enterprise_id=enterprise_id, visited_at=at)
    visits = Visit.objects.filter(wanted).select_related("visitor").order_by("enterprise_id", "-id")
    found: dict[int, Visit] = {}
    for visit in visits:
        found.setdefault(visit.enterprise_id, visit)
    return found


def duties_of(enterprise_ids: Iterable[int]) -> dict[int, list[VisitDuty]]:
    """Each enterprise's duties, soonest due first: one query for any number of enterprises."""
    duties: dict[int, list[VisitDuty]] = defaultdict(list)
    rows = VisitDuty.objects.filter(enterprise_id__in=list(enterprise_ids)).select_related("person", "unit")
    for duty in rows.order_by("due_at", "id"):
        duties[duty.enterprise_id].append(duty)
    return duties


def enterprise_visits(user: User | AnonymousUser, enterprise_id: int) -> QuerySet[Visit]:
    """One enterprise's visits the user may see, newest first, with their cases: gated by the roles as they bear on
    that enterprise (``UserRoles.for_enterprise``)."""
    visits = _visits_seen_with(roles_for_user(user).for_enterprise(enterprise_id)).filter(enterprise_id=enterprise_id)
    return with_cases(visits).order_by("-visited_at", "-id")


def enterprise_duties(user: User | AnonymousUser, enterprise_id: int) -> QuerySet[VisitDuty]:
    """One enterprise's visit duties the user may see, soonest due first, gated as ``enterprise_visits``."""
    duties = _duties_seen_with(roles_for_user(user).for_enterprise(enterprise_id))
    return duties.filter(enterprise_id=enterprise_id).order_by("due_at", "id")


def due_and_overdue(duties: Iterable[VisitDuty], *, now: datetime, window_end: datetime) -> dict[str, list]:
    """Duties past due, and duties falling due within the reminder window, of a loaded list."""
    grouped: dict[str, list] = {"overdue": [], "due": []}
    for duty in duties:
        if duty.is_overdue(now):
            grouped["overdue"].append(duty)
        elif duty.due_at <= window_end:
            grouped["due"].append(duty)
    return grouped


def enterprises_user_visits(user: User | AnonymousUser) -> QuerySet[Enterprise]:
    """The enterprises the user may record a visit to: those whose current 包保 names them, and those whose
    responsible unit they head (``permissions.capacities_of`` for many enterprises at once)."""
    roles = roles_for_user(user)
    serving = Q(pk__any_of=roles.served_enterprise_ids)
    if roles.direct_head_unit_ids:
        headed = ServiceAssignment.objects.filter(ended_at__isnull=True, unit_id__in=roles.direct_head_unit_ids)
        serving |= Q(pk__in=headed.values("enterprise_id"))
    return Enterprise.objects.filter(serving, is_active=True).select_related("township").order_by("name", "pk")


def current_service(enterprise_id: int) -> ServiceAssignment | None:
    """The enterprise's current 包保 period, if it has one."""
    return ServiceAssignment.objects.filter(enterprise_id=enterprise_id, ended_at__isnull=True).first()


def visit_of_case(case: Case) -> Visit | None:
    """The visit a case was found on, if any: whoever sees the case may see that it came from a visit, when,
    how and by whom (the enterprise too), as the enterprise's view of the visit shows."""
    problem = VisitProblem.objects.filter(case=case).select_related("visit", "visit__visitor").first()
    return problem.visit if problem is not None else None
