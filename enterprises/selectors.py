"""Reads of who is served and who serves: enterprises and units a user may see, and the people a unit or an
enterprise reaches."""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, Q, QuerySet

from .access import jurisdictions, roles_for_user
from .models import Enterprise, EnterpriseContact, Role, ServiceAssignment, Unit, UnitMembership


def current_service_prefetch() -> Prefetch:
    current = ServiceAssignment.objects.filter(ended_at__isnull=True).select_related(
        "leader", "unit", "cadre", "local_contact"
    )
    return Prefetch("service_assignments", queryset=current, to_attr="current_services")


def enterprises_visible_to(user: User | AnonymousUser) -> QuerySet[Enterprise]:
    """Officials see every enterprise; an enterprise user only their own."""
    roles = roles_for_user(user)
    enterprises = Enterprise.objects.select_related("township").prefetch_related(current_service_prefetch())
    if roles.is_official:
        return enterprises
    return enterprises.filter(pk__in=roles.contact_enterprise_ids)


def enterprises_user_files_for(user: User | AnonymousUser) -> QuerySet[Enterprise]:
    """The enterprises the user may file a problem for: their own, and those they serve (包保), a head of the
    responsible unit at the unit's level (e.g. a problem found on a visit)."""
    roles = roles_for_user(user)
    own = Q(pk__any_of=roles.contact_enterprise_ids | roles.served_enterprise_ids)
    if roles.direct_head_unit_ids:
        own |= Q(pk__in=_served_by_units(roles.direct_head_unit_ids))
    return Enterprise.objects.filter(own)


def _served_by_units(unit_ids: Iterable[int]) -> QuerySet:
    current = ServiceAssignment.objects.filter(ended_at__isnull=True, unit_id__in=list(unit_ids))
    return current.values("enterprise_id")


def heads_serving_unit(user: User | AnonymousUser, enterprise_id: int) -> bool:
    """True for a head of the unit that serves the enterprise now (its 责任单位): the unit's level of the
    three-level 包保, besides the people the 包保 names. One query, none for a user who heads no unit."""
    units = roles_for_user(user).direct_head_unit_ids
    return bool(units) and _served_by_units(units).filter(enterprise_id=enterprise_id).exists()


def units_visible_to(user: User | AnonymousUser) -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).select_related("parent")


# --- who a unit or an enterprise reaches ------------------------------------------------------------------
# Two meanings of "the unit's heads" exist, and each caller names the one it means: a unit's own reminders
# reach its direct heads; who answers for a unit in the hierarchy (and may act on its cases) includes the
# heads of the units above it, as ``UserRoles.heads_unit_or_above`` does for one person.


def unit_heads(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active heads of exactly these units, not of the units above them: one query."""
    heads: dict[int, list[User]] = defaultdict(list)
    memberships = UnitMembership.objects.filter(
        unit_id__in=set(unit_ids), role=Role.UNIT_HEAD, user__is_active=True
    ).select_related("user")
    for membership in memberships.order_by("pk"):
        heads[membership.unit_id].append(membership.user)
    return heads


def unit_heads_with_parents(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active heads of each unit or of any unit above it: who answers for the unit. Three queries."""
    wanted = set(unit_ids)
    heads: dict[int, list[User]] = defaultdict(list)
    for head, units in jurisdictions(Role.UNIT_HEAD).items():
        for unit_id in wanted & units:
            heads[unit_id].append(head)
    return heads


def enterprise_leaders(enterprise_ids: Iterable[int]) -> dict[int, User]:
    """The 包保 leader each enterprise has now, if any: one query."""
    current = ServiceAssignment.objects.filter(
        enterprise_id__in=set(enterprise_ids), ended_at__isnull=True, leader__isnull=False
    ).select_related("leader")
    return {service.enterprise_id: service.leader for service in current}  # type: ignore[misc]  # leader__isnull=False


def enterprise_contacts(enterprise_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active contact people of each enterprise: one query."""
    contacts: dict[int, list[User]] = defaultdict(list)
    rows = EnterpriseContact.objects.filter(enterprise_id__in=set(enterprise_ids), user__is_active=True)
    for contact in rows.select_related("user").order_by("pk"):
        contacts[contact.enterprise_id].append(contact.user)
    return contacts


def dispatchers() -> QuerySet[User]:
    """Everyone who routes cases (调度室): one query when read."""
    return User.objects.filter(unit_memberships__role=Role.DISPATCHER, is_active=True).distinct()


# People a search for an assignee lists at a time: the box narrows them as one types.
ASSIGNABLE_SHOWN = 30


def assignable_memberships(
    *, unit_ids: Iterable[int] | None = None, search: str = "", limit: int | None = None
) -> QuerySet[UnitMembership]:
    """Whom a case can go to, a cadre or head of an active unit, as (unit, person) memberships with both
    selected: of the given units (None: every unit), whose name, username or unit contains ``search``."""
    memberships = UnitMembership.objects.filter(
        role__in=[Role.CADRE, Role.UNIT_HEAD], user__is_active=True, unit__is_active=True
    ).select_related("user", "unit")
    if unit_ids is not None:
        memberships = memberships.filter(unit_id__in=list(unit_ids))
    if search:
        memberships = memberships.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__username__icontains=search)
            | Q(unit__name__icontains=search)
        )
    memberships = memberships.order_by("unit__name", "-role", "user__first_name", "user__username")
    return memberships[:limit] if limit is not None else memberships


def officials_assignable(*, scope: Iterable[int] | None = None) -> QuerySet[User]:
    """The cadres and unit heads of active units (of ``scope``'s units; None: every unit): who can hold a case."""
    people = User.objects.filter(
        unit_memberships__role__in=[Role.CADRE, Role.UNIT_HEAD], unit_memberships__unit__is_active=True
    )
    if scope is not None:
        people = people.filter(unit_memberships__unit_id__in=list(scope))
    return people.distinct().order_by("first_name", "username")
