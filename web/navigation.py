"""The menu each role sees: the pages of its own work first, in the order the work is done."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.links import fixed_url
from enterprises.access import UserRoles
from enterprises.models import Role
from supervision.projects.permissions import may_see_project_board


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool
    work: bool = True


# (url name, label, who sees it), in the order of the menu.
MENU = (
    ("web:my-cases", _("My problems"), lambda roles: roles.is_enterprise_user),
    ("web:file-case", _("File a problem"), lambda roles: roles.is_enterprise_user),
    ("web:my-visits", _("Visits to us"), lambda roles: roles.is_enterprise_user),
    ("web:queue", _("My queue"), lambda roles: bool(roles.roles & {Role.CADRE, Role.UNIT_HEAD})),
    ("web:served", _("Enterprises I serve"), lambda roles: bool(roles.served_enterprise_ids)),
    ("web:visits", _("Visits"), lambda roles: bool(roles.served_enterprise_ids or roles.direct_head_unit_ids)),
    ("web:dispatch", _("Dispatch"), lambda roles: roles.is_dispatcher),
    ("web:overdue", _("Overdue"), lambda roles: roles.is_supervisor or Role.LEADER in roles.roles),
    ("web:extensions", _("Extensions and pauses"), lambda roles: roles.is_supervisor or Role.UNIT_HEAD in roles.roles),
    (
        "web:rates",
        _("Rankings"),
        lambda roles: roles.is_dispatcher or roles.is_supervisor or Role.LEADER in roles.roles,
    ),
    ("web:common-problems", _("Common problems"), lambda roles: roles.is_official),
    ("web:meetings", _("Joint meetings"), lambda roles: roles.is_supervisor or Role.LEADER in roles.roles),
    ("web:rechecks", _("Re-checks"), lambda roles: roles.is_supervisor),
    ("web:circulars", _("Circulars"), lambda roles: roles.is_official),
    (
        "web:rectifications",
        _("Rectifications"),
        lambda roles: roles.is_supervisor or bool(roles.roles & {Role.CADRE, Role.UNIT_HEAD}),
    ),
    ("web:ledger", _("Ledger export"), lambda roles: roles.is_official),
    ("web:projects", _("Key projects"), may_see_project_board),
    ("web:board", _("Listed cases"), lambda roles: Role.LEADER in roles.roles or roles.is_supervisor),
    ("web:masterdata", _("Master data"), lambda roles: roles.is_superuser),
    ("web:invitations", _("Invitations"), lambda roles: roles.is_superuser or bool(roles.served_enterprise_ids)),
)

# The person's own account, after the work, for everyone; the start page never leads there.
ACCOUNT_MENU = (("web:password-change", _("Change password")),)


def navigation_for(roles: UserRoles, path: str) -> list[NavItem]:
    """The user's menu; the current item is the one whose address is the longest start of ``path``."""
    shown = [(str(label), fixed_url(url_name), True) for url_name, label, may_see in MENU if may_see(roles)]
    shown += [(str(label), fixed_url(url_name), False) for url_name, label in ACCOUNT_MENU]
    current = max((url for _label, url, _work in shown if path.startswith(url)), key=len, default=None)
    return [NavItem(label=label, url=url, current=url == current, work=work) for label, url, work in shown]
