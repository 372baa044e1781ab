"""The ledger export's life: requested, run by a worker, downloaded by its requester, tidied away.

A request only checks the filters and writes the job; a Celery task writes the
workbook. The job is claimed with a conditional UPDATE (queued → running), so a
task queued twice, or queued again by the tidy task after the broker lost it,
writes the file once.
"""

import logging
from datetime import datetime, timedelta
from functools import partial
from tempfile import TemporaryFile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from notifications.services import Message, notifications_create

from ..ledger import LEDGER_MAX_ROWS, ledger_cases, write_ledger_workbook
from ..models import ExportState, LedgerExport

logger = logging.getLogger(__name__)

# A queued job whose task has not started by then was lost with the broker: it is queued again.
REQUEUE_AFTER = timedelta(minutes=5)
# A running job older than this belonged to a worker that died: it is failed, and may be requested again.
RUNNING_AT_MOST = timedelta(hours=1)
TIDY_BATCH = 500


def retention() -> timedelta:
    return timedelta(days=settings.HUIYIN["LEDGER_RETENTION_DAYS"])


def ledger_export_request(*, acting_user, filters: dict, language: str) -> LedgerExport:
    """Check the filters now (a bad one is a 400 to the requester, not a failed job later) and queue the job."""
    cases = ledger_cases(acting_user, filters)
    count = cases.count()
    if count > LEDGER_MAX_ROWS:
        raise InvalidInput(
            _("These filters match %(count)d cases; a ledger holds at most %(limit)d. Narrow them and try again.")
            % {"count": count, "limit": LEDGER_MAX_ROWS},
            code="export_too_large",
        )
    now = timezone.now()
    with transaction.atomic():
        job = LedgerExport.objects.create(
            requested_by=acting_user, filters=filters, language=language, created_at=now, expires_at=now + retention()
        )
        transaction.on_commit(partial(ledger_export_enqueue, job.pk))
    return job


def ledger_export_enqueue(job_id: int) -> None:
    """A broker that is down must not fail the request that committed the job: the tidy task queues it later."""
    from ..tasks import ledger_export_write  # the tasks module imports this one

    try:
        ledger_export_write.delay(job_id)
    except Exception:
        logger.warning("Could not queue ledger export %s (broker unavailable?); it will be queued again", job_id)


def ledger_export_claim(job_id: int, now: datetime) -> bool:
    return bool(
        LedgerExport.objects.filter(pk=job_id, state=ExportState.QUEUED).update(
            state=ExportState.RUNNING, started_at=now
        )
    )


def ledger_export_run(*, job_id: int) -> bool:
    """Write the job's workbook into default storage and tell the requester; False if another worker has it."""
    now = timezone.now()
    if not ledger_export_claim(job_id, now):
        logger.info("Ledger export %s is no longer queued; skipped", job_id)
        return False
    job = LedgerExport.objects.select_related("requested_by").get(pk=job_id)
    try:
        with translation.override(job.language), TemporaryFile() as file:
            count = write_ledger_workbook(ledger_cases(job.requested_by, job.filters), now=now, file=file)
            file.seek(0)
            job.file.save("ledger.xlsx", File(file), save=False)
    except Exception as error:
        logger.exception("Ledger export %s failed", job_id)
        ledger_export_fail(job, reason=str(error) or error.__class__.__name__)
        return False
    with transaction.atomic():
        finished = timezone.now()
        job.state, job.row_count, job.finished_at = ExportState.DONE, count, finished
        job.expires_at = finished + retention()
        job.save(update_fields=["state", "row_count", "file", "finished_at", "expires_at"])
        ledger_export_notify(job, "ledger_export_ready")
    return True


def ledger_export_fail(job: LedgerExport, *, reason: str) -> None:
    with transaction.atomic():
        job.state, job.error, job.finished_at = ExportState.FAILED, reason[:2000], timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        ledger_export_notify(job, "ledger_export_failed")


def ledger_export_notify(job: LedgerExport, kind: str) -> None:
    notifications_create(
        recipients=[job.requested_by],
        message=Message(
            kind=kind,
            key=f"ledger-export:{job.pk}:{kind}",
            about=f"ledger-export:{job.pk}",
            link=reverse("api:ledger-export-detail", kwargs={"pk": job.pk}),
            context={"job": job},
        ),
    )


def ledger_exports_tidy(*, now: datetime) -> dict[str, int]:
    """Delete expired files, queue again jobs the broker lost, fail jobs whose worker died."""
    expired = 0
    expiring = LedgerExport.objects.exclude(state__in=[ExportState.EXPIRED, ExportState.RUNNING])
    for job in expiring.filter(expires_at__lte=now)[:TIDY_BATCH]:
        if job.file:
            job.file.delete(save=False)
        job.state = ExportState.EXPIRED
        job.save(update_fields=["state", "file"])
        expired += 1
    lost = list(
        LedgerExport.objects.filter(
            state=ExportState.QUEUED, created_at__lt=now - REQUEUE_AFTER, expires_at__gt=now
        ).values_list("pk", flat=True)[:TIDY_BATCH]
    )
    for job_id in lost:
        ledger_export_enqueue(job_id)
    dead = 0
    for job in LedgerExport.objects.filter(
        state=ExportState.RUNNING, started_at__lt=now - RUNNING_AT_MOST
    ).select_related("requested_by")[:TIDY_BATCH]:
        with translation.override(job.language):
            reason = _("The export was interrupted. Request it again.")
        ledger_export_fail(job, reason=reason)
        dead += 1
    return {"expired": expired, "requeued": len(lost), "interrupted": dead}
