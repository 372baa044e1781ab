"""Who may do what in the workflow beside the transitions of a case (those are ``cases.permissions``):
answers the services enforce and the pages and supervision's desks ask before offering an action."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import User

from cases.permissions import supervises
from enterprises.access import roles_for_user

if TYPE_CHECKING:  # the models name these callables in their transitions, so this module cannot import them
    from cases.models import Case

    from .models import ClockPause, DeadlinePolicy


def may_decide_extension(case: "Case", user: User, policy: "DeadlinePolicy") -> bool:
    """A supervisor whose jurisdiction covers the case, or the head of its unit (or of a unit above it)
    where the case's policy lets unit heads decide. The case must come with its enterprise selected."""
    if supervises(case, user):
        return True
    return policy.unit_head_decides_extensions and roles_for_user(user).heads_unit_or_above(case.responsible_unit_id)


def may_decide_extension_request(extension, user: User) -> bool:
    """The permission of a request's approval and rejection: ``may_decide_extension`` under its case's policy."""
    return may_decide_extension(extension.case, user, extension.policy)


def may_decide_pause(pause: "ClockPause", user: User) -> bool:
    """A pause beyond the limits is a supervisor's to approve or reject, one whose jurisdiction covers the case
    (the pause must come with its case and the case's enterprise selected)."""
    return supervises(pause.case, user)
