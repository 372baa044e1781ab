"""Who may record a visit and in which capacity, and who may read the coverage: the API, the pages and the
services ask these.

A visit is recorded by someone who serves the enterprise now in its three-level 包保: the leader, the cadre or
the local contact it names, or a head of its responsible unit (the unit's level). The capacities a visit is
recorded in are the levels the visitor holds in the enterprise's current 包保; a person who holds two (a head who
is also the cadre) visits for both.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from enterprises.access import roles_for_user
from enterprises.models import ServiceAssignment

from .models import PERSON_OF_LEVEL, VisitLevel


def capacities_of(user: User | AnonymousUser, service: ServiceAssignment | None) -> list[str]:
    """The levels of the 包保 ``service`` that ``user`` holds, in the order of ``VisitLevel``; none without one."""
    if service is None or not user.is_authenticated:
        return []
    held = []
    for level in VisitLevel.values:
        if level == VisitLevel.UNIT:
            if service.unit_id in roles_for_user(user).direct_head_unit_ids:
                held.append(level)
        elif getattr(service, PERSON_OF_LEVEL[level]) == user.pk:
            held.append(level)
    return held


def may_record_visit(user: User | AnonymousUser, service: ServiceAssignment | None) -> bool:
    return bool(capacities_of(user, service))


def ensure_may_record_visit(user: User | AnonymousUser, service: ServiceAssignment | None) -> list[str]:
    """The capacities the user records a visit in; NotPermitted when they serve the enterprise in none."""
    capacities = capacities_of(user, service)
    if not capacities:
        raise NotPermitted(
            _(
                "Only those who serve the enterprise now (its 包保 leader, cadre, local contact or a head of its "
                "responsible unit) can record a visit to it."
            ),
            code="not_serving",
        )
    return capacities


def may_see_visit_desk(user: User | AnonymousUser) -> bool:
    """The visit desk (走访台账) is for whoever serves enterprises: people named by a 包保, and unit heads."""
    roles = roles_for_user(user)
    return bool(roles.served_enterprise_ids or roles.direct_head_unit_ids or roles.is_superuser)
