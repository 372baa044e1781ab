"""Create notifications inside the caller's transaction, so they commit with what caused them."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification


@dataclass(frozen=True)
class Message:
    """What to tell: a kind naming the templates, a key prefix unique per occurrence, and context."""

    kind: str
    key: str
    about: str = ""
    link: str = ""
    context: dict | None = None


def notifications_create(*, recipients: Iterable, message: Message) -> list[Notification]:
    """One notification per distinct recipient; an existing key is skipped, not duplicated."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not unique:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        context = message.context or {}
        subject = render_to_string(f"notifications/{message.kind}_subject.txt", context).strip()
        body = render_to_string(f"notifications/{message.kind}_body.txt", context).strip()
    rows = [
        Notification(
            recipient=user,
            kind=message.kind,
            key=f"{message.key}:{user.pk}",
            about=message.about,
            link=message.link,
            subject=subject,
            body=body,
        )
        for user in unique.values()
    ]
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notifications_mark_read(*, notifications: QuerySet[Notification]) -> int:
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
