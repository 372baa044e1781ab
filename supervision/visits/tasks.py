"""The visit duties' reminder sweep and their hourly reconciliation with the 包保, run by beat."""

import logging

from celery import shared_task

from .reminders import visit_duties_sweep
from .services import visit_duties_reconcile

logger = logging.getLogger(__name__)


@shared_task(name="supervision.tasks.sweep_visit_duties", acks_late=True, ignore_result=True)
def sweep_visit_duties() -> dict:
    """Run by beat every few minutes; overlapping runs are harmless (every step is claimed)."""
    report = visit_duties_sweep()
    if report.reminded or report.failed:
        logger.info("Visit duty sweep: %d reminded, %d failed", report.reminded, report.failed)
    return {"reminded": report.reminded, "failed": report.failed}


@shared_task(name="supervision.tasks.reconcile_visit_duties", acks_late=True, ignore_result=True)
def reconcile_visit_duties() -> dict:
    """Run by beat every hour: duties for 包保 periods that have none yet (the first run after visits came to an
    installation, or periods loaded without the services)."""
    recomputed = visit_duties_reconcile()
    if recomputed:
        logger.info("Visit duties reconciled for %d enterprises", recomputed)
    return {"recomputed": recomputed}
