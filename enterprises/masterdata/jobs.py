"""The jobs of the import from the page: an uploaded workbook is checked by a Celery job, previewed,
confirmed (``services``), then imported by a second job, with its progress on the job's row for the page to
poll. The tasks (``enterprises.tasks``) run these; this module queues nothing, so it never imports them.

Each job is claimed by its transition under a row lock (queued → checking, confirmed → importing), so a task
delivered twice, or queued again by the tidy task after the broker lost it, runs once. The import reads
and checks the file again: the database may have changed since the preview, and nothing is written while
a problem remains. The import's writes commit with its ``complete`` transition, so a job the tidy task has
meanwhile failed as interrupted writes nothing. The stored upload is deleted as soon as the job no longer
needs it. Every transition is logged (``core.fsm``), by the system, or by the administrator who cancels.
"""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from core.errors import InvalidInput
from core.fsm import logged_transition

from ..models import MasterDataImport
from ..models import MasterDataImportState as State
from .apply import apply_plan
from .plan import Plan
from .planner import plan_import
from .schema import SHEETS
from .workbook import read_workbook

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


class JobProgress:
    """Records the job's stage and counts on its row, at most once a second (and at each stage's start and end)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.stage: str | None = None
        self.written_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.written_at < PROGRESS_INTERVAL:
            return
        self.stage, self.written_at = stage, now
        MasterDataImport.objects.filter(pk=self.job_id).update(
            stage=stage[:100], progress_done=done, progress_total=total
        )


def claim(job_id: int, *, waiting: str) -> MasterDataImport | None:
    """The job, started by this worker (queued → checking, confirmed → importing); None if it no longer waits."""
    with transaction.atomic():
        job = (
            MasterDataImport.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .filter(pk=job_id, state=waiting)
            .first()
        )
        if job is not None:
            logged_transition(
                job.start_check if waiting == State.QUEUED else job.start_import, acting_user=None, at=timezone.now()
            )
            job.save(update_fields=["state", "started_at"])
    return job


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


def finish(
    job: MasterDataImport, transition: Callable[..., None], *, acting_user: User | None = None, **arguments: object
) -> None:
    """Run the job's next transition (``job.reject``, ``job.fail``...) now and save it; the upload goes unless the
    job still waits for its confirmation. ``ConcurrentTransition`` if the job moved on meanwhile."""
    with transaction.atomic():
        logged_transition(
            transition,
            acting_user=acting_user,
            description=str(arguments.get("error", "")),
            at=timezone.now(),
            **arguments,
        )
        upload = job.file.name if job.state != State.READY else ""
        if upload:
            job.file = None
        job.save(update_fields=["state", "error", "report", "file", "checked_at", "finished_at"])
        if upload:
            # Only once the row has moved on: a job that moved on elsewhere meanwhile may still need its file.
            job.file.storage.delete(upload)


def masterdata_import_check(*, job_id: int) -> bool:
    """Read and check the workbook, and keep the preview; False if another worker has the job."""
    job = claim(job_id, waiting=State.QUEUED)
    if job is None:
        logger.info("Master data import %s is no longer queued; skipped", job_id)
        return False
    with translation.override(job.language):
        try:
            plan = read_and_plan(job, JobProgress(job_id))
        except InvalidInput as refusal:
            return _finished(job, job.reject, report={"problems": [], "problem_count": 0}, error=str(refusal.message))
        except Exception as error:
            logger.exception("Master data import %s failed while checking", job_id)
            return _finished(job, job.fail, error=str(error) or error.__class__.__name__)
        return _finished(job, job.reject if plan.problems else job.pass_check, report=preview(plan))


def masterdata_import_run(*, job_id: int) -> bool:
    """Check the workbook again and write it, all or nothing; False if another worker has the job."""
    job = claim(job_id, waiting=State.CONFIRMED)
    if job is None:
        logger.info("Master data import %s is no longer confirmed; skipped", job_id)
        return False
    progress = JobProgress(job_id)
    with translation.override(job.language):
        try:
            plan = read_and_plan(job, progress)
            if plan.problems:
                return _finished(job, job.reject, report=preview(plan))
            progress(_("Writing"), 0, 1)
            with transaction.atomic():
                apply_plan(plan, acting_user=job.requested_by, progress=progress)
                finish(job, job.complete, report=preview(plan))
        except ConcurrentTransition:
            logger.warning(
                "Master data import %s was failed as interrupted before it finished; nothing written", job_id
            )
            return False
        except Exception as error:
            logger.exception("Master data import %s failed", job_id)
            return _finished(job, job.fail, error=str(error) or error.__class__.__name__)
    return True


def _finished(job: MasterDataImport, transition: Callable[..., None], **arguments: Any) -> bool:
    """``finish``, or False when the job moved on meanwhile: the tidy task failed a worker's job as interrupted, or
    a worker finished one the tidy task was about to give up on."""
    try:
        finish(job, transition, **arguments)
    except ConcurrentTransition:
        logger.warning("Master data import %s moved on before it could %s; left as it is", job.pk, transition.__name__)
        return False
    return True


def masterdata_imports_tidy(*, now: datetime) -> dict[str, int]:
    """Cancel checked workbooks nobody confirmed and fail jobs whose worker died; the tidy task also queues
    again the jobs the broker lost (``masterdata_imports_lost``). A job that moves on meanwhile is left alone."""
    cancelled = 0
    for job in MasterDataImport.objects.filter(state=State.READY, checked_at__lt=now - READY_FOR):
        cancelled += _finished(job, job.cancel)
    interrupted = 0
    for job in MasterDataImport.objects.filter(
        state__in=[State.CHECKING, State.IMPORTING], started_at__lt=now - RUNNING_AT_MOST
    ):
        with translation.override(job.language):
            error = _("The job was interrupted. Upload the workbook again.")
        interrupted += _finished(job, job.fail, error=error)
    return {"cancelled": cancelled, "interrupted": interrupted}


def masterdata_imports_lost(*, now: datetime) -> list[tuple[str, int]]:
    """The step and id of each job still waiting for its task long after it was queued: the broker lost it."""
    lost_jobs = MasterDataImport.objects.filter(
        Q(state=State.QUEUED, created_at__lt=now - REQUEUE_AFTER)
        | Q(state=State.CONFIRMED, confirmed_at__lt=now - REQUEUE_AFTER)
    )
    return [
        ("check" if state == State.QUEUED else "import", job_id)
        for job_id, state in lost_jobs.values_list("pk", "state")
    ]
