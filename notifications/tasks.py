"""Celery tasks of notifications: thin wrappers around the delivery engine in services."""

import logging

from celery import shared_task
from django.utils import timezone

from .services import deliveries_queue_due, deliveries_reclaim_stuck, delivery_send

logger = logging.getLogger(__name__)

# Deliveries queued per outbox run; a backlog larger than this drains over the next runs.
OUTBOX_BATCH = 500


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
