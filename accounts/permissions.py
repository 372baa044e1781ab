"""Who may invite whom, and who may revoke an invitation: answers used by services, the API and pages alike."""

from enterprises.access import roles_for_user


def is_administrator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def may_invite_for_enterprise(user, enterprise_id: int) -> bool:
    """An administrator for any enterprise; otherwise whoever serves it now (包联: its cadre, local contact
    or leader), as the one who knows its people."""
    if not user.is_authenticated:
        return False
    return is_administrator(user) or enterprise_id in roles_for_user(user).served_enterprise_ids


def may_invite_officials(user) -> bool:
    return is_administrator(user)


def may_invite_anyone(user) -> bool:
    """Whether the person has any invitation to send: the invitations page and its menu entry."""
    return is_administrator(user) or bool(user.is_authenticated and roles_for_user(user).served_enterprise_ids)


def may_revoke_invitation(invitation, user) -> bool:
    """The inviter, an administrator, or whoever may invite for the invitation's enterprise now."""
    if not user.is_authenticated:
        return False
    if is_administrator(user) or invitation.invited_by_id == user.pk:
        return True
    return invitation.enterprise_id is not None and may_invite_for_enterprise(user, invitation.enterprise_id)
