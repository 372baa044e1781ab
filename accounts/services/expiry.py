"""Invitations that run out of time, and what every write to an invitation shares: its row lock and its
audit row.

A pending invitation past its days is expired the moment a page or its link meets it, and by the hourly
task (``accounts.tasks``), which calls this module; it queues nothing, so it never imports the tasks.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..models import Invitation, InvitationAction, InvitationEvent, InvitationState


def invitation_event_record(
    *, invitation: Invitation, action: str, actor: User | None, at: datetime, reason: str = ""
) -> InvitationEvent:
    return InvitationEvent.objects.create(invitation=invitation, action=action, actor=actor, reason=reason, at=at)


def invitation_locked(*, invitation_id: int) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("user", "enterprise", "unit", "invited_by")
        .get(pk=invitation_id)
    )


def invitation_expire(*, invitation_id: int, now: datetime | None = None) -> bool:
    """Mark a pending invitation past its time as expired, with its audit row; False if nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        current = invitation_locked(invitation_id=invitation_id)
        if current.state != InvitationState.PENDING or not current.has_expired(now):
            return False
        current.expire(at=now)
        current.save()
        invitation_event_record(invitation=current, action=InvitationAction.EXPIRED, actor=None, at=now)
    return True


def invitations_expire(*, now: datetime, limit: int = 500) -> int:
    """The hourly sweep; the pages and the link also expire an invitation the moment they meet it."""
    due = Invitation.objects.filter(state=InvitationState.PENDING, expires_at__lte=now).order_by("expires_at")
    return sum(invitation_expire(invitation_id=pk, now=now) for pk in due.values_list("pk", flat=True)[:limit])
