"""The common problem reminder sweep, run by beat."""

import logging

from celery import shared_task

from .reminders import common_problems_sweep

logger = logging.getLogger(__name__)


@shared_task(name="supervision.tasks.sweep_common_problems", acks_late=True, ignore_result=True)
def sweep_common_problems() -> dict:
    """Run by beat every few minutes; overlapping runs are harmless (every step is claimed)."""
    report = common_problems_sweep()
    if report.reminded or report.failed:
        logger.info(
            "Common problem sweep: %d reminded, %d skipped, %d failed", report.reminded, report.skipped, report.failed
        )
    return {"reminded": report.reminded, "failed": report.failed}
