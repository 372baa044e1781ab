"""Who sees re-checks, who draws a sample and who records a result: the API, the pages and the services ask these."""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from cases.models import Case
from cases.permissions import supervises
from core.errors import NotPermitted
from enterprises.access import roles_for_user
from enterprises.models import Role


def may_read_rechecks(user: User) -> bool:
    roles = roles_for_user(user)
    return roles.is_supervisor or Role.LEADER in roles.roles


def may_draw_sample(user: User) -> bool:
    return roles_for_user(user).is_supervisor


def ensure_may_draw(user: User) -> None:
    if not may_draw_sample(user):
        raise NotPermitted(_("Only supervisors draw re-check samples."), code="not_supervisor")


def may_record_recheck(case: Case, user: User) -> bool:
    """A supervisor whose jurisdiction covers the case; the case needs its enterprise."""
    return supervises(case, user)
