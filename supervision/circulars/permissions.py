"""Who prepares, changes and publishes circulars: the API, the pages, the services and the model's transition ask
these (so this module does not import the model). Every official reads the published ones
(``selectors.circulars_visible_to``)."""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from enterprises.access import UserRoles, roles_for_user


def manages_jurisdiction(roles: UserRoles, jurisdiction_id: int) -> bool:
    """Drafts belong to the supervisors whose jurisdiction covers the circular's whole jurisdiction."""
    return roles.is_superuser or (roles.is_supervisor and jurisdiction_id in roles.supervised_unit_ids)


def may_prepare_circulars(user: User) -> bool:
    return roles_for_user(user).is_supervisor


def may_change_circular(circular, user: User) -> bool:
    """A draft, by a supervisor of its jurisdiction: edit, regenerate, publish or delete it; the permission of
    ``Circular.publish``."""
    return not circular.is_published and manages_jurisdiction(roles_for_user(user), circular.jurisdiction_id)


def ensure_supervises(user: User, jurisdiction_id: int) -> None:
    if not manages_jurisdiction(roles_for_user(user), jurisdiction_id):
        raise NotPermitted(
            _("Only a supervisor whose jurisdiction covers the circular's can prepare, change or publish it."),
            code="not_supervisor",
        )
