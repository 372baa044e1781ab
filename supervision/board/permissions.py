"""Who has a board: leaders, and the supervisors who list cases on it."""

from django.contrib.auth.models import User

from enterprises.access import roles_for_user
from enterprises.models import Role


def may_see_board(user: User) -> bool:
    roles = roles_for_user(user)
    return Role.LEADER in roles.roles or roles.is_supervisor
