"""Sending one delivery: claim it with a conditional UPDATE, talk to the outside world outside any
transaction, record the outcome; only transient errors are retried, with growing pauses and a bounded
number of attempts. What a dead worker held is taken back.

The tasks (``notifications.tasks``) call this module; it queues nothing itself, so it never imports them.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .channels import CHANNELS, PermanentError, TransientError
from .models import Delivery, DeliveryStatus

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
        _delivery_record(delivery, claimed_at, status=DeliveryStatus.FAILED, error=str(error))
        logger.warning("Delivery %s failed for good: %s", delivery_id, error)
        return False
    except Exception as error:
        # Transient errors, and bugs too: an unexpected error is retried the bounded number of
        # times and recorded, instead of leaving the row "sending" until it is reclaimed.
        if not isinstance(error, TransientError):
            logger.exception("Delivery %s raised an unexpected error", delivery_id)
        message = str(error) or type(error).__name__
        if delivery.attempts >= max_attempts():
            _delivery_record(delivery, claimed_at, status=DeliveryStatus.FAILED, error=message)
            logger.warning("Delivery %s failed after %d attempts: %s", delivery_id, delivery.attempts, message)
        else:
            retry_at = timezone.now() + BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
            _delivery_record(delivery, claimed_at, status=DeliveryStatus.PENDING, error=message, retry_at=retry_at)
            logger.info("Delivery %s will be retried at %s: %s", delivery_id, retry_at.isoformat(), message)
        return False
    _delivery_record(delivery, claimed_at, status=DeliveryStatus.SENT)
    return True


def _delivery_record(
    delivery: Delivery, claimed_at: datetime, *, status: str, error: str = "", retry_at: datetime | None = None
) -> None:
    """Write the outcome, unless the row was reclaimed meanwhile (this worker was presumed dead)."""
    changes: dict[str, object] = {"status": status, "last_error": error}
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
