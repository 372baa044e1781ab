"""Celery tasks of supervision: thin wrappers around the rectification reminder sweep and the ledger export."""

import logging

from celery import shared_task
from django.utils import timezone

from .reminders import rectifications_sweep
from .services.ledger import ledger_export_run, ledger_exports_tidy

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def sweep_rectifications() -> dict:
    """Run by beat every few minutes; overlapping runs are harmless (every step is claimed)."""
    report = rectifications_sweep()
    if report.reminded or report.failed:
        logger.info(
            "Rectification sweep: %d reminded, %d skipped, %d failed", report.reminded, report.skipped, report.failed
        )
    return {"reminded": report.reminded, "failed": report.failed}


@shared_task(acks_late=True, ignore_result=True)
def ledger_export_write(job_id: int) -> bool:
    """Write one ledger; a second delivery of the task finds the job claimed and does nothing."""
    return ledger_export_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def ledger_exports_tidy_task() -> dict:
    """Run by beat: expired files go, lost jobs are queued again, interrupted ones are failed."""
    report = ledger_exports_tidy(now=timezone.now())
    if any(report.values()):
        logger.info(
            "Ledger exports: %(expired)d expired, %(requeued)d queued again, %(interrupted)d interrupted", report
        )
    return report
