"""Celery tasks of enterprises: the master-data import's two jobs and their tidying, and the queueing of them.

The services queue a job through ``masterdata_import_enqueue``; the tasks run the jobs of
``enterprises.masterdata.jobs``, which never imports this module."""

import logging

from celery import shared_task
from django.utils import timezone

from .masterdata.jobs import (
    masterdata_import_check,
    masterdata_import_run,
    masterdata_imports_lost,
    masterdata_imports_tidy,
)

logger = logging.getLogger(__name__)


def masterdata_import_enqueue(step: str, job_id: int) -> None:
    """A broker that is down must not fail the request that committed the job: the tidy task queues it later."""
    task = masterdata_import_check_task if step == "check" else masterdata_import_task
    try:
        task.delay(job_id)
    except Exception:
        logger.warning("Could not queue master data %s %s (broker unavailable?); it will be queued again", step, job_id)


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
    now = timezone.now()
    report = masterdata_imports_tidy(now=now)
    lost = masterdata_imports_lost(now=now)
    for step, job_id in lost:
        masterdata_import_enqueue(step, job_id)
    report["requeued"] = len(lost)
    if any(report.values()):
        logger.info(
            "Master data imports: %(cancelled)d expired, %(requeued)d queued again, %(interrupted)d interrupted",
            report,
        )
    return report
