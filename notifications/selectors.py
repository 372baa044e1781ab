from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from django.contrib.auth.models import User
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from core.statements import CompiledOnce

from .models import Delivery, DeliveryStatus, Notification, NotificationPreference


def notifications_for_user(user: User) -> QuerySet[Notification]:
    """The inbox: what has become visible; a reminder held for the morning is not there at night."""
    return Notification.objects.filter(recipient=user, visible_from__lte=timezone.now())


def unread_count_for_user(user: User) -> int:
    """The unread part of the inbox: the badge of every page, from a statement compiled once per process, as
    compiling its COUNT took longer than running it."""
    return _UNREAD_COUNT.rows(user_id=user.pk, now=timezone.now())[0][0]


def _unread_ids(user_id: int, now: datetime) -> QuerySet:
    unread = Notification.objects.filter(recipient_id=user_id, visible_from__lte=now, read_at__isnull=True)
    return unread.order_by().values("pk")


# Compiled for a user and a moment no notification has.
_UNREAD_COUNT = CompiledOnce(
    _unread_ids,
    wrap="SELECT COUNT(*) FROM ({}) unread",
    user_id=-1,
    now=datetime(1900, 1, 1, tzinfo=UTC),
)


class Recipient(Protocol):
    """Whom a notification is for: a ``User``, or a row of the few of a person's columns notifications read (a
    sweep reaches tens of thousands of people, and a model instance each cost more than their messages)."""

    @property
    def pk(self) -> int: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def email(self) -> str: ...


def preference_default(user: User) -> NotificationPreference:
    """The unsaved defaults: e-mail is on for someone who has an address."""
    return NotificationPreference(user=user, email_enabled=bool(user.email))


def preference_for_user(user: User) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or preference_default(user)


def preferences_for_users(users: Iterable[Recipient]) -> dict[int, NotificationPreference]:
    """Preferences by user id in one query, the defaults for those who never changed theirs.

    The defaults are two shared, unsaved rows (with e-mail on, and off for those without an address): a
    sweep's batch reaches hundreds of people who never changed a thing, and a row built for each cost more
    than the query. Read them; never save them.
    """
    users = list(users)
    saved = {pref.user_id: pref for pref in NotificationPreference.objects.filter(user__in=[u.pk for u in users])}
    defaults = {email: NotificationPreference(email_enabled=email) for email in (False, True)}
    return {user.pk: saved.get(user.pk) or defaults[bool(user.email)] for user in users}


def deliveries_due(*, now: datetime, limit: int, queued_before: datetime | None = None) -> list[int]:
    """Ids of pending deliveries whose time has come, oldest first.

    With ``queued_before``, those put on the queue since then are left out: a task for them is
    already waiting for a worker.
    """
    due = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if queued_before is not None:
        due = due.filter(Q(queued_at__isnull=True) | Q(queued_at__lt=queued_before))
    return list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


@dataclass(frozen=True)
class Backlog:
    due: int
    oldest_due_at: datetime | None


def outbox_backlog(*, now: datetime) -> Backlog:
    """Pending deliveries whose time has come, and when the longest-waiting of them fell due, in one query
    over the partial index of pending rows. One waiting long means no worker is sending."""
    found = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).aggregate(
        due=Count("pk"), oldest=Min("next_attempt_at")
    )
    return Backlog(due=found["due"], oldest_due_at=found["oldest"])
