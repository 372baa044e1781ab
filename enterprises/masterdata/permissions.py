"""Who imports master data: the page, the services and the import job's transitions ask this (so it imports no
model)."""

from django.contrib.auth.models import AnonymousUser, User


def may_manage_masterdata(user: User | AnonymousUser) -> bool:
    """Superusers only: an import creates accounts and gives roles, supervisors' included, so it is as
    powerful as the admin site itself."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def may_decide_import(job, user: User | AnonymousUser) -> bool:
    """The permission of a checked workbook's confirmation and cancellation: any administrator, not only the
    one who uploaded it."""
    return may_manage_masterdata(user)
