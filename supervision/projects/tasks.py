"""The key-project node reminder sweep, run by beat."""

import logging

from celery import shared_task

from .reminders import milestones_sweep

logger = logging.getLogger(__name__)


@shared_task(name="supervision.projects.sweep_milestones", acks_late=True, ignore_result=True)
def sweep_milestones() -> dict:
    """Run by beat every few minutes; overlapping runs are harmless (every step is claimed)."""
    report = milestones_sweep()
    if report.reminded or report.failed:
        logger.info("Milestone sweep: %d reminded, %d failed", report.reminded, report.failed)
    return {"reminded": report.reminded, "failed": report.failed}
