"""The rectification reminder sweep, run by beat.

Its name is the one it had when supervision's tasks lived in one module: the
beat schedule and any message already queued by a running system carry it.
"""

import logging

from celery import shared_task

from .reminders import rectifications_sweep

logger = logging.getLogger(__name__)


@shared_task(name="supervision.tasks.sweep_rectifications", acks_late=True, ignore_result=True)
def sweep_rectifications() -> dict:
    """Run by beat every few minutes; overlapping runs are harmless (every step is claimed)."""
    report = rectifications_sweep()
    if report.reminded or report.failed:
        logger.info(
            "Rectification sweep: %d reminded, %d skipped, %d failed", report.reminded, report.skipped, report.failed
        )
    return {"reminded": report.reminded, "failed": report.failed}
