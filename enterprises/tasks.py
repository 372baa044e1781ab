"""Celery tasks of enterprises: the master-data import's two jobs and their tidying, thin wrappers."""

import logging

from celery import shared_task
from django.utils import timezone

from .masterdata.jobs import masterdata_import_check, masterdata_import_run, masterdata_imports_tidy

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def masterdata_import_check_task(job_id: int) -> bool:
    """Check an uploaded workbook; a second delivery finds the job claimed and does nothing."""
    return masterdata_import_check(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def masterdata_import_task(job_id: int) -> bool:
    """Import a confirmed workbook; a second delivery finds the job claimed and does nothing."""
    return masterdata_import_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def masterdata_imports_tidy_task() -> dict:
    """Run by beat: unconfirmed previews expire, lost jobs are queued again, interrupted ones are failed."""
    report = masterdata_imports_tidy(now=timezone.now())
    if any(report.values()):
        logger.info(
            "Master data imports: %(cancelled)d expired, %(requeued)d queued again, %(interrupted)d interrupted",
            report,
        )
    return report
