"""Celery tasks of notifications, and the queueing of them.

Services queue a delivery's task after commit through ``deliveries_enqueue``; the tasks call the delivery
engine (``notifications.delivery``), which never imports this module. A broker that is down loses nothing:
the outbox task, run by beat every minute, queues whatever is due and has no task on its way.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .delivery import deliveries_reclaim_stuck, delivery_send
from .models import Delivery, DeliveryStatus
from .selectors import deliveries_due

logger = logging.getLogger(__name__)

# Deliveries queued per outbox run; a backlog larger than this drains over the next runs.
OUTBOX_BATCH = 500


def queue_lease() -> timedelta:
    """A task queued this long ago and still not run is presumed lost (or stuck behind a backlog) and
    queued again; a duplicate is harmless, the claim lets only one of them send.

    Two minutes by default: a lost task then costs at most three (the lease and beat's minute), and a
    task stuck behind a longer backlog one more task that skips after a single UPDATE (~2 ms).
    """
    return timedelta(seconds=settings.NOTIFICATIONS_QUEUE_LEASE)


# After the broker refused a task, this process stops trying until then: each attempt can take a
# second or two, and the outbox task sends what is pending once the broker is back.
BROKER_RETRY_AFTER = timedelta(seconds=30)
_broker_down_until: datetime | None = None


def deliveries_enqueue(delivery_ids: list[int]) -> int:
    """Put a task per delivery on the queue; returns how many went.

    A broker that is down must not undo or break what the caller committed, nor slow every request
    down: the deliveries stay pending and the periodic outbox task queues them later.
    """
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


@shared_task(acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> bool:
    """Send one delivery. No Celery retry: the engine reschedules transient failures itself,
    and a redelivered task finds the row claimed or sent and does nothing."""
    return delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def deliver_pending() -> int:
    """The outbox, run by beat every minute: take back what dead workers held, queue what is due.

    Overlapping runs are harmless: every send claims its row first.
    """
    now = timezone.now()
    deliveries_reclaim_stuck(now=now)
    queued = deliveries_queue_due(now=now, limit=OUTBOX_BATCH)
    if queued:
        logger.info("Outbox queued %d deliveries", queued)
    return queued
