"""Who sees a key project and who reports on it: the API, the pages and the services ask these.

The gate (``selectors.projects_visible_to``) lets in the project's task force and its 包保 leader, the cadres and
leaders who serve its enterprise (三级包保), the supervisors and leaders whose jurisdiction covers the enterprise's
township, and the enterprise's own contacts. Everyone but the contacts sees it officially, notes included.
"""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import NotPermitted
from enterprises.access import UserRoles, roles_for_user
from enterprises.models import KeyProject, TaskForceMember


def task_force_q(user: User | AnonymousUser) -> Q:
    """Projects the user reports on: those whose task force they sit on or that they lead (包保领导); none for
    an anonymous user."""
    if user.pk is None:
        return Q(pk__in=[])
    return _reported_on_by(user.pk)


def _reported_on_by(user_id: int) -> Q:
    return Q(leader_id=user_id) | Q(pk__in=TaskForceMember.objects.filter(user_id=user_id).values("project_id"))


def may_see_project_board(roles: UserRoles) -> bool:
    """Whether the board of key projects is for this person, asked by its page and by the menu alike: every
    official and enterprise contact (the board shows what they may see, perhaps nothing yet), and whoever reports
    on a project without any unit role, such as a city leader on its task force. It takes the cached roles the
    menu is built from; only a person with none of them costs a query."""
    if roles.user_id is None:
        return False
    if roles.is_official or roles.is_enterprise_user:
        return True
    return KeyProject.objects.filter(_reported_on_by(roles.user_id)).exists()


def official_projects_q(user: User | AnonymousUser) -> Q | None:
    """Projects the user sees as an official (notes included); None for every project."""
    roles = roles_for_user(user)
    if roles.is_superuser or roles.oversees_every_unit:
        return None
    q = task_force_q(user)
    if roles.served_enterprise_ids:
        q |= Q(enterprise_id__any_of=roles.served_enterprise_ids)
    overseen = roles.supervised_unit_ids | roles.led_unit_ids
    if overseen:
        q |= Q(enterprise__township_id__in=overseen)
    return q


def may_report_on(project: KeyProject, user: User | AnonymousUser) -> bool:
    """The task force and its leader plan the nodes, record their dates and the investment completed."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or project.leader_id == user.pk:
        return True
    return TaskForceMember.objects.filter(project=project, user_id=user.pk).exists()


def ensure_may_report_on(project: KeyProject, user: User | AnonymousUser) -> None:
    if not may_report_on(project, user):
        raise NotPermitted(
            _("Only the project's task force and its leader report on its nodes and investment."),
            code="not_the_task_force",
        )
