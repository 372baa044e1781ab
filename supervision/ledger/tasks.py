"""Celery tasks of the ledger export: write one job, and tidy the jobs every few minutes; and how a job is queued.

Their names are the ones they had when supervision's tasks lived in one module:
the beat schedule and any message already queued by a running system carry them.
"""

import logging
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from .exports import TIDY_BATCH, ledger_export_run, ledger_exports_expire, ledger_exports_fail_interrupted
from .selectors import ledger_exports_lost

logger = logging.getLogger(__name__)


@shared_task(name="supervision.tasks.ledger_export_write", acks_late=True, ignore_result=True)
def ledger_export_write(job_id: int) -> bool:
    """Write one ledger; a second delivery of the task finds the job claimed and does nothing."""
    return ledger_export_run(job_id=job_id)


def ledger_export_enqueue(job_id: int) -> None:
    """A broker that is down must not fail the request that committed the job: the tidy task queues it later."""
    try:
        ledger_export_write.delay(job_id)
    except Exception:
        logger.warning("Could not queue ledger export %s (broker unavailable?); it will be queued again", job_id)


def ledger_exports_tidy(*, now: datetime) -> dict[str, int]:
    """Delete expired files, queue again jobs the broker lost, fail jobs whose worker died."""
    expired = ledger_exports_expire(now=now)
    lost = ledger_exports_lost(now=now, limit=TIDY_BATCH)
    for job_id in lost:
        ledger_export_enqueue(job_id)
    interrupted = ledger_exports_fail_interrupted(now=now)
    return {"expired": expired, "requeued": len(lost), "interrupted": interrupted}


@shared_task(name="supervision.tasks.ledger_exports_tidy_task", acks_late=True, ignore_result=True)
def ledger_exports_tidy_task() -> dict:
    """Run by beat: expired files go, lost jobs are queued again, interrupted ones are failed."""
    report = ledger_exports_tidy(now=timezone.now())
    if any(report.values()):
        logger.info(
            "Ledger exports: %(expired)d expired, %(requeued)d queued again, %(interrupted)d interrupted", report
        )
    return report
