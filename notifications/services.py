"""Create notifications inside the caller's transaction, and get them out through each channel.

Creating writes the notification rows and their delivery rows (the outbox) together with what
caused them; a task is queued only after commit. Sending claims a delivery with a conditional
UPDATE, talks to the outside world outside any transaction, then records the outcome; only
transient errors are retried, with growing pauses and a bounded number of attempts.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .channels import CHANNELS, PermanentError, TransientError
from .models import Delivery, DeliveryChannel, DeliveryStatus, Notification, NotificationPreference
from .selectors import deliveries_due, preference_default, preferences_for_users

logger = logging.getLogger(__name__)

# Pause after the n-th failed attempt; the last one repeats if NOTIFICATIONS_MAX_ATTEMPTS allows more.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]


def max_attempts() -> int:
    return settings.NOTIFICATIONS_MAX_ATTEMPTS


def sending_timeout() -> timedelta:
    """A send takes seconds (webhook timeout 10 s, EMAIL_TIMEOUT); a delivery still "sending" after
    this belonged to a worker that died mid-send."""
    return timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT)


def queue_lease() -> timedelta:
    """A task queued this long ago and still not run is presumed lost (or stuck behind a backlog) and
    queued again; a duplicate is harmless, the claim lets only one of them send.

    Two minutes by default: a lost task then costs at most three (the lease and beat's minute), and a
    task stuck behind a longer backlog one more task that skips after a single UPDATE (~2 ms).
    """
    return timedelta(seconds=settings.NOTIFICATIONS_QUEUE_LEASE)


@dataclass(frozen=True)
class Message:
    """What to tell: a kind naming the templates, a key prefix unique per occurrence, and context.

    ``not_before`` holds a reminder back, e.g. until working hours: it appears in the inbox and
    leaves through the other channels only from then on.
    """

    kind: str
    key: str
    about: str = ""
    link: str = ""
    context: dict | None = None
    not_before: datetime | None = None


def message_render(message: Message, language: str) -> tuple[str, str]:
    with translation.override(language):
        context = message.context or {}
        subject = render_to_string(f"notifications/{message.kind}_subject.txt", context).strip()
        body = render_to_string(f"notifications/{message.kind}_body.txt", context).strip()
    return subject, body


def channels_for(user, preference: NotificationPreference) -> list[str]:
    channels = []
    if preference.email_enabled and user.email:
        channels.append(DeliveryChannel.EMAIL)
    if preference.webhook_enabled and preference.webhook_url:
        channels.append(DeliveryChannel.WEBHOOK)
    return channels


def notifications_create(*, recipients: Iterable, message: Message) -> list[Notification]:
    """One notification per distinct active recipient, in their language; an existing key is skipped."""
    return notifications_create_many(items=[(recipients, message)])


def notifications_create_many(*, items: Iterable[tuple[Iterable, Message]]) -> list[Notification]:
    """Many messages at once, e.g. a batch of reminders, in a constant number of queries.

    Returns the notifications this call created. Runs in the caller's transaction; repeated keys
    (a second sweep, a retried task) are skipped before anything is rendered.
    """
    wanted: dict[str, tuple[object, Message]] = {}
    for recipients, message in items:
        for user in recipients:
            if user is not None and user.is_active:
                wanted.setdefault(f"{message.key}:{user.pk}", (user, message))
    if not wanted:
        return []
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        existing = set(Notification.objects.filter(key__in=wanted).values_list("key", flat=True))
        fresh = {key: pair for key, pair in wanted.items() if key not in existing}
        if not fresh:
            return []
        users = {user.pk: user for user, _message in fresh.values()}
        preferences = preferences_for_users(users.values())
        rendered: dict[tuple[int, str], tuple[str, str]] = {}
        rows = []
        for key, (user, message) in fresh.items():
            language = preferences[user.pk].language
            if (id(message), language) not in rendered:
                rendered[id(message), language] = message_render(message, language)
            subject, body = rendered[id(message), language]
            rows.append(
                Notification(
                    recipient_id=user.pk,
                    kind=message.kind,
                    key=key,
                    about=message.about,
                    link=message.link,
                    subject=subject,
                    body=body,
                    created_at=now,
                    visible_from=max(now, message.not_before) if message.not_before else now,
                )
            )
        # ignore_conflicts: a concurrent call may have inserted one of the keys since the read above.
        # It also leaves primary keys unset on some databases, hence the read afterwards; the exact
        # created_at of this call tells its rows from a concurrent caller's.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(Notification.objects.filter(key__in=[row.key for row in rows], created_at=now))
        deliveries = [
            Delivery(
                notification_id=notification.pk,
                channel=channel,
                next_attempt_at=notification.visible_from,
                queued_at=now if notification.visible_from <= now else None,
                created_at=now,
            )
            for notification in created
            for channel in channels_for(users[notification.recipient_id], preferences[notification.recipient_id])
        ]
        if deliveries:
            Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            due_now = [notification.pk for notification in created if notification.visible_from <= now]
            if due_now:
                delivery_ids = list(
                    Delivery.objects.filter(notification__in=due_now, queued_at=now).values_list("pk", flat=True)
                )
                transaction.on_commit(partial(deliveries_enqueue, delivery_ids))
    return created


# After the broker refused a task, this process stops trying until then: each attempt can take a
# second or two, and the outbox task sends what is pending once the broker is back.
BROKER_RETRY_AFTER = timedelta(seconds=30)
_broker_down_until: datetime | None = None


def deliveries_enqueue(delivery_ids: list[int]) -> int:
    """Put a task per delivery on the queue; returns how many went.

    A broker that is down must not undo or break what the caller committed, nor slow every request
    down: the deliveries stay pending and the periodic outbox task queues them later.
    """
    from .tasks import deliver  # tasks imports this module

    global _broker_down_until
    if _broker_down_until and timezone.now() < _broker_down_until:
        Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).update(queued_at=None)
        return 0
    for count, delivery_id in enumerate(delivery_ids):
        try:
            deliver.delay(delivery_id)
        except Exception as error:
            _broker_down_until = timezone.now() + BROKER_RETRY_AFTER
            # Expected while the broker is down, so one line without a traceback: the outbox catches up.
            logger.warning(
                "Could not queue %d deliveries (%s); the outbox task will send them",
                len(delivery_ids) - count,
                error,
            )
            # Not on the queue after all: the next outbox run may queue them at once, not after the lease.
            Delivery.objects.filter(pk__in=delivery_ids[count:], status=DeliveryStatus.PENDING).update(queued_at=None)
            return count
    return len(delivery_ids)


def notifications_mark_read(*, notifications: QuerySet[Notification]) -> int:
    return notifications.filter(read_at__isnull=True).update(read_at=timezone.now())


def preference_update(*, user, data: dict) -> NotificationPreference:
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


def delivery_claim(*, delivery_id: int, now: datetime) -> bool:
    """Take a due delivery for this worker; False when another worker has it or it is not due."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def delivery_send(*, delivery_id: int) -> bool:
    """Claim one delivery, send it and record the outcome. Returns whether this call sent it.

    Call it outside any transaction: the claim must be visible to other workers before the send,
    and a slow receiver must not hold a transaction open.
    """
    claimed_at = timezone.now()
    if not delivery_claim(delivery_id=delivery_id, now=claimed_at):
        logger.info("Delivery %s skipped: not pending, not due yet, or claimed by another worker", delivery_id)
        return False
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    # The recorded error is part of the row administrators read: in the site's language, whatever the
    # worker or the request that sends it happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        return _delivery_send_claimed(delivery, claimed_at)


def _delivery_send_claimed(delivery: Delivery, claimed_at: datetime) -> bool:
    delivery_id = delivery.pk
    try:
        if not delivery.notification.recipient.is_active:
            raise PermanentError(_("The recipient's account is inactive."))
        CHANNELS[delivery.channel].send(delivery)
    except PermanentError as error:
        delivery_record(delivery, claimed_at, status=DeliveryStatus.FAILED, error=str(error))
        logger.warning("Delivery %s failed for good: %s", delivery_id, error)
        return False
    except Exception as error:
        # Transient errors, and bugs too: an unexpected error is retried the bounded number of
        # times and recorded, instead of leaving the row "sending" until it is reclaimed.
        if not isinstance(error, TransientError):
            logger.exception("Delivery %s raised an unexpected error", delivery_id)
        message = str(error) or type(error).__name__
        if delivery.attempts >= max_attempts():
            delivery_record(delivery, claimed_at, status=DeliveryStatus.FAILED, error=message)
            logger.warning("Delivery %s failed after %d attempts: %s", delivery_id, delivery.attempts, message)
        else:
            retry_at = timezone.now() + BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
            delivery_record(delivery, claimed_at, status=DeliveryStatus.PENDING, error=message, retry_at=retry_at)
            logger.info("Delivery %s will be retried at %s: %s", delivery_id, retry_at.isoformat(), message)
        return False
    delivery_record(delivery, claimed_at, status=DeliveryStatus.SENT)
    return True


def delivery_record(
    delivery: Delivery, claimed_at: datetime, *, status: str, error: str = "", retry_at: datetime | None = None
) -> None:
    """Write the outcome, unless the row was reclaimed meanwhile (this worker was presumed dead)."""
    changes = {"status": status, "last_error": error}
    if status == DeliveryStatus.SENT:
        changes["sent_at"] = timezone.now()
    if retry_at is not None:
        changes.update(next_attempt_at=retry_at, queued_at=None)
    recorded = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at).update(
        **changes
    )
    if not recorded:
        logger.warning(
            "Delivery %s was reclaimed while this worker sent it; outcome %s not recorded", delivery.pk, status
        )


def deliveries_reclaim_stuck(*, now: datetime) -> int:
    """Put back deliveries whose worker died mid-send, so a killed worker never loses a message.

    The receiver may then get that message twice; the delivery id it carries lets it tell.
    One that has used up its attempts fails instead, so a message that kills workers cannot loop.
    """
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - sending_timeout())
    with translation.override(settings.LANGUAGE_CODE):
        no_attempts_left = _("The worker sending it stopped, and no attempts are left.")
        tried_again = _("The worker sending it stopped; it will be tried again.")
    failed = stuck.filter(attempts__gte=max_attempts()).update(
        status=DeliveryStatus.FAILED, last_error=no_attempts_left
    )
    retried = stuck.update(status=DeliveryStatus.PENDING, next_attempt_at=now, queued_at=None, last_error=tried_again)
    if failed or retried:
        logger.warning("Reclaimed %d deliveries stuck in sending; %d of them failed for good", failed + retried, failed)
    return failed + retried


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


def deliveries_queue_due(*, now: datetime, limit: int) -> int:
    """Queue a task for each due delivery that has none waiting; returns how many were queued.

    That is retries whose pause is over, reminders whose time has come, deliveries the broker
    refused at commit, and tasks lost on the way.
    """
    ids = deliveries_due(now=now, limit=limit, queued_before=now - queue_lease())
    if not ids:
        return 0
    Delivery.objects.filter(pk__in=ids).update(queued_at=now)
    return deliveries_enqueue(ids)
