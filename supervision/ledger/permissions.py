"""Who exports the problem ledger: officials only."""

from django.contrib.auth.models import User

from enterprises.access import roles_for_user


def may_export_ledger(user: User) -> bool:
    """Officials only. The ledger carries internal business (urging, extensions) an enterprise never sees;
    an enterprise user has its own cases in the case list already."""
    return roles_for_user(user).is_official
