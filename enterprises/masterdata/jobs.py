"""The import from the page: an uploaded workbook is checked by a Celery job, previewed, confirmed, then
imported by a second job, with its progress on the job's row for the page to poll.

Each job is claimed with a conditional UPDATE (queued → checking, confirmed → importing), so a task
delivered twice, or queued again by the tidy task after the broker lost it, runs once. The import reads
and checks the file again: the database may have changed since the preview, and nothing is written while
a problem remains. The stored upload is deleted as soon as the job no longer needs it.
"""

import logging
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, NotPermitted

from ..models import MasterDataImport
from ..models import MasterDataImportState as State
from .apply import apply_plan
from .plan import Plan, plan_import
from .schema import SHEETS
from .workbook import check_upload, read_workbook

logger = logging.getLogger(__name__)

# The preview lists this many rows of each kind of change per sheet; the counts are always complete.
PREVIEW_ROWS = 200
# And this many problems: a file with more has something wrong throughout, which the first ones show.
PREVIEW_PROBLEMS = 1_000
# At most one progress write per this many seconds, so that progress never slows the job down.
PROGRESS_INTERVAL = 1.0
# A checked workbook waits this long for its confirmation; then it is cancelled and its file deleted.
READY_FOR = timedelta(days=1)
# A queued job whose task has not started by then was lost with the broker: it is queued again.
REQUEUE_AFTER = timedelta(minutes=5)
# A running job older than this belonged to a worker that died.
RUNNING_AT_MOST = timedelta(hours=1)
WAITING = (State.QUEUED, State.CHECKING, State.READY, State.CONFIRMED, State.IMPORTING)


def may_manage_masterdata(user) -> bool:
    """Superusers only: an import creates accounts and gives roles, supervisors' included, so it is as
    powerful as the admin site itself."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def ensure_may_manage(user) -> None:
    if not may_manage_masterdata(user):
        raise NotPermitted(_("Only administrators import and export master data."), code="not_an_administrator")


def max_upload_bytes() -> int:
    return settings.HUIYIN["MASTERDATA_MAX_BYTES"]


def masterdata_import_upload(*, acting_user, upload, deactivate_missing: bool, language: str) -> MasterDataImport:
    """Refuse what is not an .xlsx of acceptable size at once, store the file and queue its check."""
    ensure_may_manage(acting_user)
    name = PurePath(upload.name or "").name
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput(
            _("Upload the workbook as an .xlsx file (Excel 2007 or later); %(name)s is not one.") % {"name": name},
            code="not_xlsx",
        )
    if upload.size > max_upload_bytes():
        raise InvalidInput(
            _("The workbook is %(size)d MB; at most %(limit)d MB can be imported.")
            % {"size": -(-upload.size // 2**20), "limit": max_upload_bytes() // 2**20},
            code="file_too_large",
        )
    check_upload(upload)
    with transaction.atomic():
        job = MasterDataImport(
            requested_by=acting_user, language=language, file_name=name[:255], deactivate_missing=deactivate_missing
        )
        job.file.save("upload.xlsx", upload, save=False)
        job.save()
        transaction.on_commit(partial(enqueue, "check", job.pk))
    return job


def enqueue(step: str, job_id: int) -> None:
    """A broker that is down must not fail the request that committed the job: the tidy task queues it later."""
    from ..tasks import masterdata_import_check_task, masterdata_import_task  # the tasks module imports this one

    task = masterdata_import_check_task if step == "check" else masterdata_import_task
    try:
        task.delay(job_id)
    except Exception:
        logger.warning("Could not queue master data %s %s (broker unavailable?); it will be queued again", step, job_id)


class JobProgress:
    """Records the job's stage and counts on its row, at most once a second (and at each stage's start and end)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.stage = None
        self.written_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.written_at < PROGRESS_INTERVAL:
            return
        self.stage, self.written_at = stage, now
        MasterDataImport.objects.filter(pk=self.job_id).update(
            stage=stage[:100], progress_done=done, progress_total=total
        )


def claim(job_id: int, *, waiting: str, running: str) -> bool:
    return bool(
        MasterDataImport.objects.filter(pk=job_id, state=waiting).update(state=running, started_at=timezone.now())
    )


def read_and_plan(job: MasterDataImport, progress: JobProgress) -> Plan:
    with job.file.open("rb") as file:
        rows, problems = read_workbook(file, progress=progress)
    return plan_import(rows, deactivate_missing=job.deactivate_missing, problems=problems, progress=progress)


def preview(plan: Plan) -> dict:
    """What the page shows: the problems, or the counts and the first rows of each change, per sheet."""
    if plan.problems:
        return {
            "problems": [problem.as_dict() for problem in plan.problems[:PREVIEW_PROBLEMS]],
            "problem_count": len(plan.problems),
        }
    return {
        "has_changes": plan.has_changes,
        "sheets": [
            {
                **line,
                "rows": {
                    kind: [change.as_dict() for change in getattr(report, kind)[:PREVIEW_ROWS]]
                    for kind in ("created", "changed", "ended", "missing")
                },
            }
            for sheet, line in zip(SHEETS, plan.summary(), strict=True)
            for report in (plan.reports[sheet.key],)
        ],
    }


def finish(job: MasterDataImport, state: str, *, report: dict | None = None, error: str = "") -> None:
    """Record the outcome; the upload goes unless the job still waits for its confirmation."""
    if state != State.READY and job.file:
        job.file.delete(save=False)
    job.state, job.error = state, error[:2000]
    if report is not None:
        job.report = report
    now = timezone.now()
    if state == State.READY:
        job.checked_at = now
    else:
        job.finished_at = now
    job.save(update_fields=["state", "error", "report", "file", "checked_at", "finished_at"])


def masterdata_import_check(*, job_id: int) -> bool:
    """Read and check the workbook, and keep the preview; False if another worker has the job."""
    if not claim(job_id, waiting=State.QUEUED, running=State.CHECKING):
        logger.info("Master data import %s is no longer queued; skipped", job_id)
        return False
    job = MasterDataImport.objects.get(pk=job_id)
    with translation.override(job.language):
        try:
            plan = read_and_plan(job, JobProgress(job_id))
        except InvalidInput as refusal:
            finish(job, State.REJECTED, report={"problems": [], "problem_count": 0}, error=str(refusal.message))
            return True
        except Exception as error:
            logger.exception("Master data import %s failed while checking", job_id)
            finish(job, State.FAILED, error=str(error) or error.__class__.__name__)
            return True
        finish(job, State.REJECTED if plan.problems else State.READY, report=preview(plan))
    return True


def masterdata_import_confirm(*, acting_user, job: MasterDataImport) -> MasterDataImport:
    """The administrator read the preview: queue the import. One import runs at a time."""
    ensure_may_manage(acting_user)
    if job.state != State.READY or not job.report.get("has_changes"):
        raise Conflict(_("This workbook is not waiting for a confirmation."), code="import_not_ready")
    with transaction.atomic():
        running = MasterDataImport.objects.filter(state__in=[State.CONFIRMED, State.IMPORTING]).exclude(pk=job.pk)
        if running.exists():
            raise Conflict(
                _("Another import is running. Confirm this one when it has finished."), code="import_running"
            )
        claimed = MasterDataImport.objects.filter(pk=job.pk, state=State.READY).update(
            state=State.CONFIRMED, confirmed_at=timezone.now()
        )
        if not claimed:
            raise Conflict(_("This workbook is not waiting for a confirmation."), code="import_not_ready")
        transaction.on_commit(partial(enqueue, "import", job.pk))
    job.refresh_from_db()
    return job


def masterdata_import_run(*, job_id: int) -> bool:
    """Check the workbook again and write it, all or nothing; False if another worker has the job."""
    if not claim(job_id, waiting=State.CONFIRMED, running=State.IMPORTING):
        logger.info("Master data import %s is no longer confirmed; skipped", job_id)
        return False
    job = MasterDataImport.objects.select_related("requested_by").get(pk=job_id)
    progress = JobProgress(job_id)
    with translation.override(job.language):
        try:
            plan = read_and_plan(job, progress)
            if plan.problems:
                finish(job, State.REJECTED, report=preview(plan))
                return True
            progress(_("Writing"), 0, 1)
            apply_plan(plan, acting_user=job.requested_by, progress=progress)
        except Exception as error:
            logger.exception("Master data import %s failed", job_id)
            finish(job, State.FAILED, error=str(error) or error.__class__.__name__)
            return True
        finish(job, State.DONE, report=preview(plan))
    return True


def masterdata_import_cancel(*, acting_user, job: MasterDataImport) -> MasterDataImport:
    """Drop a checked workbook that will not be imported, and its file."""
    ensure_may_manage(acting_user)
    if not MasterDataImport.objects.filter(pk=job.pk, state=State.READY).update(state=State.CANCELLED):
        raise Conflict(_("This workbook is not waiting for a confirmation."), code="import_not_ready")
    job.refresh_from_db()
    finish(job, State.CANCELLED)
    return job


def masterdata_imports_tidy(*, now: datetime) -> dict[str, int]:
    """Cancel checked workbooks nobody confirmed, queue again jobs the broker lost, fail those whose worker died."""
    stale = list(MasterDataImport.objects.filter(state=State.READY, checked_at__lt=now - READY_FOR))
    for job in stale:
        finish(job, State.CANCELLED)
    lost = 0
    lost_jobs = MasterDataImport.objects.filter(
        Q(state=State.QUEUED, created_at__lt=now - REQUEUE_AFTER)
        | Q(state=State.CONFIRMED, confirmed_at__lt=now - REQUEUE_AFTER)
    )
    for job_id, state in lost_jobs.values_list("pk", "state"):
        enqueue("check" if state == State.QUEUED else "import", job_id)
        lost += 1
    dead = MasterDataImport.objects.filter(
        state__in=[State.CHECKING, State.IMPORTING], started_at__lt=now - RUNNING_AT_MOST
    )
    interrupted = 0
    for job in dead:
        with translation.override(job.language):
            finish(job, State.FAILED, error=_("The job was interrupted. Upload the workbook again."))
        interrupted += 1
    return {"cancelled": len(stale), "requeued": lost, "interrupted": interrupted}
