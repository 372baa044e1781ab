"""Who may raise, change, answer and close common problems: the services, the API and the pages ask these.

The ``(problem, user) -> bool`` callables are django-fsm's permissions of the transitions; they read the
cached roles and fields on the row, no query.
"""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from core.errors import Conflict, NotPermitted
from enterprises.access import roles_for_user


def may_raise(user: User) -> bool:
    """Dispatchers, who see every new case, and supervisors raise common problems."""
    roles = roles_for_user(user)
    return roles.is_dispatcher or roles.is_supervisor


def may_manage(problem, user: User) -> bool:
    """Dispatchers, and supervisors whose jurisdiction covers the responsible unit, change and close one."""
    roles = roles_for_user(user)
    return roles.is_dispatcher or (roles.is_supervisor and roles.supervises(problem.unit_id, None))


def may_answer(problem, user: User) -> bool:
    """The unit that owns the policy answers: its heads (or a head above it) and its cadres."""
    roles = roles_for_user(user)
    return roles.heads_unit_or_above(problem.unit_id) or problem.unit_id in roles.cadre_unit_ids


_REFUSED_IN_STATE = {
    "assign": gettext_lazy("Only an open common problem can go to another unit."),
    "give_answer": gettext_lazy("This common problem was already answered."),
    "close": gettext_lazy("Only an answered common problem can be closed."),
}
_REFUSED_TO_USER = {
    "assign": gettext_lazy("Only dispatchers and the supervisors of the unit can change a common problem."),
    "give_answer": gettext_lazy("Only the heads and cadres of the responsible unit can answer a common problem."),
    "close": gettext_lazy("Only dispatchers and the supervisors of the unit can close a common problem."),
}


def ensure_may(problem, *, acting_user: User, method: str) -> None:
    """State first (409), then the user (403), before any input is looked at; again under the lock."""
    transition_method = getattr(problem, method)
    if not can_proceed(transition_method):
        raise Conflict(_REFUSED_IN_STATE[method], code="invalid_state")
    if not has_transition_perm(transition_method, acting_user):
        raise NotPermitted(_REFUSED_TO_USER[method])


def ensure_may_raise(user: User) -> None:
    if not may_raise(user):
        raise NotPermitted(_("Only dispatchers and supervisors raise common problems."), code="not_dispatcher")
