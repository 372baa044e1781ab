"""Celery tasks of supervision: thin wrappers around the rectification reminder sweep and the ledger export."""

import logging

from celery import shared_task
from django.utils import timezone

from .ratings.tasks import sweep_rectifications
from .services.ledger import ledger_export_run, ledger_exports_tidy

__all__ = ["ledger_export_write", "ledger_exports_tidy_task", "sweep_rectifications"]

logger = logging.getLogger(__name__)


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
