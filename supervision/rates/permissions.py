"""Whose figures a user may read: the dispatchers every unit's, the supervisors and leaders their jurisdiction's."""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from enterprises.access import roles_for_user
from enterprises.models import Role


def rated_units_for_user(user: User) -> frozenset[int] | None:
    """Units whose figures the user may read: all (None) for dispatchers, the jurisdiction for overseers."""
    roles = roles_for_user(user)
    if roles.is_dispatcher:
        return None
    if Role.SUPERVISOR in roles.roles or Role.LEADER in roles.roles:
        return roles.supervised_unit_ids | roles.led_unit_ids
    raise NotPermitted(_("Only supervisors, leaders and dispatchers can see rates and rankings."))
