"""Who may do what in the workflow beside the transitions of a case (those are ``cases.permissions``):
answers the services enforce and the pages and supervision's desks ask before offering an action."""

from typing import TYPE_CHECKING

from django.contrib.auth.models import User

from cases.models import Case
from cases.permissions import supervises
from enterprises.access import roles_for_user

if TYPE_CHECKING:  # the models' transitions ask these, so this module imports no model of the workflow
    from .models import DeadlinePolicy


def may_decide_extension(case: Case, user: User, policy: "DeadlinePolicy") -> bool:
    """A supervisor whose jurisdiction covers the case, or the head of its unit (or of a unit above it)
    where the case's policy lets unit heads decide. The case must come with its enterprise selected."""
    if supervises(case, user):
        return True
    return policy.unit_head_decides_extensions and roles_for_user(user).heads_unit_or_above(case.responsible_unit_id)


def may_decide_extension_request(extension, user: User) -> bool:
    """The permission of a request's approval and rejection: ``may_decide_extension`` under its case's policy."""
    return may_decide_extension(extension.case, user, extension.policy)
