"""Create notifications inside the caller's transaction, and the people's own choices.

Creating writes the notification rows and their delivery rows (the outbox) together with what
caused them; a task is queued only after commit (``notifications.tasks``), and the delivery
engine (``notifications.delivery``) sends it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Field, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.statements import array_cursor, array_parameter

from .models import Delivery, DeliveryChannel, DeliveryStatus, Notification, NotificationPreference
from .selectors import Recipient, preference_default, preferences_for_users
from .tasks import deliveries_enqueue


@dataclass(frozen=True)
class Message:
    """What to tell: a kind naming the templates, a key prefix unique per occurrence, and context.

    ``not_before`` holds a reminder back, e.g. until working hours: it appears in the inbox and
    leaves through the other channels only from then on.

    ``fill`` is for messages sent by the thousand (a sweep's reminders): values the templates print as they
    are, neither filtered nor branched on. Such a kind is rendered once per language (and per ``context``,
    which then holds only what the templates branch or count on, hashable) with a slot for each value, and
    each message is that text with its own values put in: the same words, without a template render each.
    """

    kind: str
    key: str
    about: str = ""
    link: str = ""
    context: dict | None = None
    not_before: datetime | None = None
    fill: dict[str, object] | None = None


# The text of a kind in one language with a %(name)s slot for each fill value; keyed by kind, language, context.
Frame = tuple[str, str]
FrameKey = tuple[str, str, tuple]


def message_render(*, message: Message, language: str, frames: dict[FrameKey, Frame] | None = None) -> tuple[str, str]:
    """The subject and body of a message in one language, from its kind's two templates.

    ``frames`` keeps the rendered frames of ``fill`` messages across calls, so a batch renders each kind once.
    """
    if message.fill is None:
        return _templates_render(message.kind, message.context or {}, language)
    frames = {} if frames is None else frames
    key = _frame_key(message, language)
    if key not in frames:
        frames[key] = _frame_render(message, language)
    return _frame_fill(frames[key], message.fill)


def _templates_render(kind: str, context: dict, language: str) -> tuple[str, str]:
    with translation.override(language):
        subject = render_to_string(f"notifications/{kind}_subject.txt", context).strip()
        body = render_to_string(f"notifications/{kind}_body.txt", context).strip()
    return subject, body


def _frame_key(message: Message, language: str) -> FrameKey:
    return message.kind, language, tuple(sorted((message.context or {}).items()))


def _frame_render(message: Message, language: str) -> Frame:
    """The kind's templates rendered with a mark for each fill value, the marks then made %(name)s slots."""
    marks = {name: f"\x00{name}\x00" for name in message.fill or {}}
    texts = _templates_render(message.kind, {**(message.context or {}), **marks}, language)
    slotted = []
    for text in texts:
        text = text.replace("%", "%%")
        for name, mark in marks.items():
            text = text.replace(mark, f"%({name})s")
        slotted.append(text)
    return slotted[0], slotted[1]


def _frame_fill(frame: Frame, fill: dict[str, object]) -> tuple[str, str]:
    # One pass each: a value is put in as it is, never read for slots or marks itself.
    subject, body = frame
    return (subject % fill).strip(), (body % fill).strip()


def _channels_for(user: Recipient, preference: NotificationPreference) -> list[DeliveryChannel]:
    channels = []
    if preference.email_enabled and user.email:
        channels.append(DeliveryChannel.EMAIL)
    if preference.webhook_enabled and preference.webhook_url:
        channels.append(DeliveryChannel.WEBHOOK)
    return channels


def notifications_create(*, recipients: Iterable[Recipient | None], message: Message) -> list[Notification]:
    """One notification per distinct active recipient, in their language; an existing key is skipped.

    Returns the notifications this call created."""
    return [Notification(pk=pk, **row._asdict()) for row, pk in _notifications_insert([(recipients, message)])]


def notifications_create_many(*, items: Iterable[tuple[Iterable[Recipient | None], Message]]) -> int:
    """Many messages at once, e.g. a batch of reminders, in a constant number of queries; how many it created.

    Runs in the caller's transaction; repeated keys (a second sweep, a retried task) are skipped.
    """
    return len(_notifications_insert(items))


def recipient_key(*, key: str, recipient_id: int) -> str:
    """The key of one recipient's notification of a message: the message's key and who it is for."""
    return f"{key}:{recipient_id}"


class NewRow(NamedTuple):
    """A notification to insert, as the values of its columns (named as the model's attributes; ``read_at``
    starts empty): a sweep writes fifty thousand, and a model instance each cost more than rendering them."""

    recipient_id: int
    kind: str
    key: str
    about: str
    link: str
    subject: str
    body: str
    created_at: datetime
    visible_from: datetime


def _notifications_insert(items: Iterable[tuple[Iterable[Recipient | None], Message]]) -> list[tuple[NewRow, int]]:
    """Write the notifications and their deliveries; the rows created, each with its id."""
    wanted: dict[str, tuple[Recipient, Message]] = {}
    for recipients, message in items:
        for user in recipients:
            if user is not None and user.is_active:
                wanted.setdefault(recipient_key(key=message.key, recipient_id=user.pk), (user, message))
    if not wanted:
        return []
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        if connection.vendor != "postgresql":
            # PostgreSQL's insert skips a taken key and says which it wrote; elsewhere the taken ones are read first.
            existing = set(Notification.objects.filter(key__in=wanted).values_list("key", flat=True))
            wanted = {key: pair for key, pair in wanted.items() if key not in existing}
            if not wanted:
                return []
        users = {user.pk: user for user, _message in wanted.values()}
        preferences = preferences_for_users(users.values())
        rendered: dict[tuple[int, str], tuple[str, str]] = {}
        frames: dict[FrameKey, Frame] = {}
        rows: list[NewRow] = []
        for key, (user, message) in wanted.items():
            language = preferences[user.pk].language
            if (id(message), language) not in rendered:
                rendered[id(message), language] = message_render(message=message, language=language, frames=frames)
            subject, body = rendered[id(message), language]
            visible_from = max(now, message.not_before) if message.not_before else now
            rows.append(
                NewRow(user.pk, message.kind, key, message.about, message.link, subject, body, now, visible_from)
            )
        inserted = _insert_new(rows, now=now)
        created = [(row, inserted[row.key]) for row in rows if row.key in inserted]
        deliveries = [
            Delivery(
                notification_id=pk,
                channel=channel,
                next_attempt_at=row.visible_from,
                queued_at=now if row.visible_from <= now else None,
                created_at=now,
            )
            for row, pk in created
            for channel in _channels_for(users[row.recipient_id], preferences[row.recipient_id])
        ]
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            due_now = [pk for row, pk in created if row.visible_from <= now]
            if due_now:
                delivery_ids = list(
                    Delivery.objects.filter(notification__in=due_now, queued_at=now).values_list("pk", flat=True)
                )
                transaction.on_commit(partial(deliveries_enqueue, delivery_ids))
    return created


def _insert_new(rows: list[NewRow], *, now: datetime) -> dict[str, int]:
    """Insert the rows, skipping any key taken already or by a concurrent call meanwhile; the ids of the
    inserted ones by key.

    On PostgreSQL one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` from one array per column: a sweep writes
    batches of 500, and ``bulk_create`` prepared each of their values field by field and left the ids to be
    read back. Elsewhere ``bulk_create`` and that read, where the exact ``created_at`` of this call tells its
    rows from a concurrent caller's.
    """
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create([Notification(**row._asdict()) for row in rows], ignore_conflicts=True)
        inserted = Notification.objects.filter(key__in=[row.key for row in rows], created_at=now)
        return dict(inserted.values_list("key", "pk"))
    # The model's own columns: fields, not the reverse relations get_field may also return.
    fields: list[Field] = [Notification._meta.get_field(name) for name in NewRow._fields]  # type: ignore[misc]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    arrays = ", ".join(array_parameter(field) for field in fields)
    table = quote(Notification._meta.db_table)
    with array_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({quote('key')}) DO NOTHING RETURNING {quote('key')}, {quote('id')}",
            [list(column) for column in zip(*rows, strict=True)],
        )
        return dict(cursor.fetchall())


def notifications_mark_read(*, notifications: QuerySet[Notification]) -> int:
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def preference_update(*, user: User, data: dict) -> NotificationPreference:
    """Save a person's choices, creating their row with the defaults on the first change."""
    with transaction.atomic():
        default = preference_default(user)
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user, defaults={"email_enabled": default.email_enabled}
        )
        for field, value in data.items():
            setattr(preference, field, value)
        preference.full_clean()
        preference.save()
    return preference


def deliveries_retry(*, deliveries: QuerySet[Delivery]) -> int:
    """Give failed deliveries a fresh set of attempts, starting now."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(deliveries.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, queued_at=now
        )
        transaction.on_commit(partial(deliveries_enqueue, ids))
    return len(ids)
