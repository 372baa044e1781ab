"""Who reviews the overdue list: the API, the pages and the export ask this one rule."""

from django.contrib.auth.models import User

from enterprises.access import roles_for_user
from enterprises.models import Role


def may_review_overdue(user: User) -> bool:
    """Supervisors and leaders review their jurisdiction; dispatchers route everything, so they see all."""
    roles = roles_for_user(user)
    return roles.is_dispatcher or roles.is_supervisor or Role.LEADER in roles.roles
