"""Who has an extension desk: supervisors, and the heads of units, who decide on more time for their cadres.

Whether one may decide a given request is the workflow's rule (``workflow.services.may_decide_extension``).
"""

from django.contrib.auth.models import User

from enterprises.access import roles_for_user


def may_see_extension_desk(user: User) -> bool:
    roles = roles_for_user(user)
    return roles.is_supervisor or bool(roles.head_unit_ids)
