"""The problem ledger as .xlsx, and the job a worker runs to write it: claim, write, finish or fail, tidy.

A row carries the case's deadlines, urging level, extensions, pauses and outcome.
The cases are read with ``.iterator()`` a chunk at a time; what lies beside the
case row (its resolution clocks, its approved extensions, its pauses) is loaded for
a whole chunk in one query each, so the cost per chunk is constant whatever its size.

The job is claimed with a conditional UPDATE (queued → running), so a task
queued twice, or queued again by the tidy task after the broker lost it, writes
the file once. This module never queues a task (``tasks`` does), so the tasks
can call it without an import cycle.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from itertools import islice
from tempfile import TemporaryFile
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from openpyxl import Workbook

from cases.models import Case, Closure, Complexity, ResolutionType, Satisfaction, UrgingLevel
from core.fsm import logged_transition
from core.people import user_name
from notifications.services import Message, notifications_create
from workflow.models import ClockKind, ClockPause, DeadlineCycle, ExtensionRequest, ExtensionState, PauseState
from workflow.selectors import work_calendar
from workflow.workdays import WorkCalendar

from ..exports import in_language, shanghai_text
from .models import ExportState, LedgerExport
from .selectors import ledger_cases

logger = logging.getLogger(__name__)

LEDGER_CHUNK_ROWS = 2_000

# Far above a district's cases, below the sheet limit of 1,048,576 rows.
LEDGER_MAX_ROWS = 500_000

# A running job older than this belonged to a worker that died: it is failed, and may be requested again.
RUNNING_AT_MOST = timedelta(hours=1)
TIDY_BATCH = 500

# Fixed like the overdue ledger's: the Chinese headers are the form the offices file and compare.
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("案件编号", "Case number"),
    ("标题", "Title"),
    ("企业", "Enterprise"),
    ("类别", "Category"),
    ("复杂程度", "Complexity"),
    ("状态", "State"),
    ("责任单位", "Responsible unit"),
    ("承办人", "Assignee"),
    ("提出时间", "Filed at"),
    ("签收时间", "Signed for at"),
    ("办结时限", "Resolution due"),
    ("是否超期", "Late"),
    ("督办等级", "Urging level"),
    ("督办答复时限", "Urging answer due"),
    ("延期次数", "Extensions approved"),
    ("延期至", "Extended to"),
    ("挂起次数", "Pauses"),
    ("挂起工作日", "Working days paused"),
    ("挂起至", "Paused until"),
    ("办结时间", "Resolved at"),
    ("办理结果", "Resolution"),
    ("销号方式", "Closure"),
    ("销号时间", "Closed at"),
    ("满意度", "Satisfaction"),
)
LEDGER_SHEET_TITLE = ("问题台账", "Problem ledger")
YES_NO = (("是", "Yes"), ("否", "No"))


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _ChunkFacts:
    """What the rows of one chunk need beyond the case row: three queries for the whole chunk."""

    def __init__(self, case_ids: list[int], *, now: datetime, calendar: WorkCalendar) -> None:
        self.extensions = {
            row["case_id"]: row
            for row in ExtensionRequest.objects.filter(case_id__in=case_ids, state=ExtensionState.APPROVED)
            .values("case_id")
            .annotate(approved=Count("id"), extended_to=Max("requested_due_at"))
            .order_by()
        }
        # Every run of the resolution clock, oldest first: the last one holds the deadline now in force,
        # and one missed run makes the case late for good, whatever was extended or reopened after.
        self.resolution_due: dict[int, datetime] = {}
        self.late: dict[int, bool] = defaultdict(bool)
        for case_id, due_at, ended_at, breached in (
            DeadlineCycle.objects.filter(case_id__in=case_ids, kind=ClockKind.RESOLUTION)
            .order_by("started_at", "id")
            .values_list("case_id", "due_at", "ended_at", "breached")
        ):
            self.resolution_due[case_id] = due_at
            self.late[case_id] |= breached or (ended_at is None and due_at < now)
        # Pauses that stopped the clock (挂起), and their working days: a running one's so far.
        self.pauses: dict[int, int] = defaultdict(int)
        self.paused_workdays: dict[int, int] = defaultdict(int)
        for case_id, paused_at, workdays_paused in ClockPause.objects.filter(
            case_id__in=case_ids, state__in=[PauseState.RUNNING, PauseState.ENDED]
        ).values_list("case_id", "paused_at", "workdays_paused"):
            self.pauses[case_id] += 1
            self.paused_workdays[case_id] += (
                calendar.workdays_between(paused_at, now) if workdays_paused is None else workdays_paused
            )


def _choice_label(choices, value) -> str:
    return str(choices(value).label) if value not in (None, "") else ""


def _ledger_row(case: Case, facts: _ChunkFacts) -> list:
    extension = facts.extensions.get(case.pk, {})
    return [
        case.number,
        case.title,
        case.enterprise.name,
        case.category.name,
        _choice_label(Complexity, case.complexity),
        str(case.get_state_display()),
        case.responsible_unit.name if case.responsible_unit else "",
        user_name(case.assignee) if case.assignee else "",
        shanghai_text(case.filed_at),
        shanghai_text(case.accepted_at),
        # While paused the case has no deadline: the clock runs again from the end of "paused until".
        shanghai_text(None if case.paused_until else facts.resolution_due.get(case.pk)),
        in_language(YES_NO[0] if facts.late[case.pk] else YES_NO[1]),
        _choice_label(UrgingLevel, case.urging_level),
        shanghai_text(case.urging_answer_due_at),
        extension.get("approved", 0),
        shanghai_text(extension.get("extended_to")),
        facts.pauses[case.pk],
        facts.paused_workdays[case.pk],
        shanghai_text(case.paused_until),
        shanghai_text(case.resolved_at),
        _choice_label(ResolutionType, case.resolution_type),
        _choice_label(Closure, case.closure),
        shanghai_text(case.closed_at),
        _choice_label(Satisfaction, case.satisfaction),
    ]


def _ledger_rows(cases: QuerySet[Case], *, now: datetime, chunk_size: int = LEDGER_CHUNK_ROWS) -> Iterator[list]:
    """Rows in the list's order; each chunk read from the database is one chunk of facts."""
    calendar = work_calendar()
    for chunk in _chunks(cases.iterator(chunk_size=chunk_size), chunk_size):
        facts = _ChunkFacts([case.pk for case in chunk], now=now, calendar=calendar)
        for case in chunk:
            yield _ledger_row(case, facts)


def write_ledger_workbook(cases: QuerySet[Case], *, now: datetime, file: IO[bytes]) -> int:
    """Write the ledger into ``file`` in the active language; write-only openpyxl keeps one row in memory.

    Returns the number of cases written.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=in_language(LEDGER_SHEET_TITLE))
    sheet.append([in_language(labels) for labels in LEDGER_COLUMNS])
    count = 0
    for row in _ledger_rows(cases, now=now):
        sheet.append(row)
        count += 1
    workbook.save(file)
    return count


# --- the job -------------------------------------------------------------------------------------------------


def retention() -> timedelta:
    return timedelta(days=settings.HUIYIN["LEDGER_RETENTION_DAYS"])


def _ledger_export_claim(job_id: int, now: datetime) -> LedgerExport | None:
    """The job, started by this worker; None if it is no longer queued (another delivery of the task has it)."""
    with transaction.atomic():
        job = (
            LedgerExport.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .filter(pk=job_id, state=ExportState.QUEUED)
            .first()
        )
        if job is not None:
            logged_transition(job.start, acting_user=None, at=now)
            job.save(update_fields=["state", "started_at"])
    return job


def ledger_export_run(*, job_id: int) -> bool:
    """Write the job's workbook into default storage and tell the requester; False if another worker has it."""
    now = timezone.now()
    job = _ledger_export_claim(job_id, now)
    if job is None:
        logger.info("Ledger export %s is no longer queued; skipped", job_id)
        return False
    try:
        with translation.override(job.language), TemporaryFile() as file:
            count = write_ledger_workbook(ledger_cases(job.requested_by, filters=job.filters), now=now, file=file)
            file.seek(0)
            job.file.save("ledger.xlsx", File(file), save=False)
    except Exception as error:
        logger.exception("Ledger export %s failed", job_id)
        with suppress(ConcurrentTransition):  # the tidy task failed it as interrupted first
            _ledger_export_fail(job, reason=str(error) or error.__class__.__name__)
        return False
    try:
        with transaction.atomic():
            finished = timezone.now()
            logged_transition(
                job.finish, acting_user=None, row_count=count, at=finished, expires_at=finished + retention()
            )
            job.save(update_fields=["state", "row_count", "file", "finished_at", "expires_at"])
            _ledger_export_notify(job, "ledger_export_ready")
    except ConcurrentTransition:
        # The tidy task gave this worker up for dead and failed the job meanwhile; its requester was told so.
        logger.warning("Ledger export %s was failed as interrupted before it finished; its file is dropped", job_id)
        job.file.delete(save=False)
        return False
    return True


def _ledger_export_fail(job: LedgerExport, *, reason: str) -> None:
    """Fail a running job and tell its requester; ``ConcurrentTransition`` if it is no longer running."""
    with transaction.atomic():
        logged_transition(job.fail, acting_user=None, description=reason, error=reason, at=timezone.now())
        job.save(update_fields=["state", "error", "finished_at"])
        _ledger_export_notify(job, "ledger_export_failed")


def _ledger_export_notify(job: LedgerExport, kind: str) -> None:
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


def ledger_exports_expire(*, now: datetime) -> int:
    """Delete the files of jobs past their time; the rows stay, as the record of who exported what."""
    expired = 0
    expiring = LedgerExport.objects.exclude(state__in=[ExportState.EXPIRED, ExportState.RUNNING])
    for job in expiring.filter(expires_at__lte=now)[:TIDY_BATCH]:
        if job.file:
            job.file.delete(save=False)
        try:
            with transaction.atomic():
                logged_transition(job.expire, acting_user=None)
                job.save(update_fields=["state", "file"])
        except ConcurrentTransition:
            continue  # a worker took the queued job a moment ago; it expires once written
        expired += 1
    return expired


def ledger_exports_fail_interrupted(*, now: datetime) -> int:
    """Fail the jobs whose worker died while writing them, so that their requesters may ask again."""
    dead = 0
    for job in LedgerExport.objects.filter(
        state=ExportState.RUNNING, started_at__lt=now - RUNNING_AT_MOST
    ).select_related("requested_by")[:TIDY_BATCH]:
        with translation.override(job.language):
            reason = _("The export was interrupted. Request it again.")
        try:
            _ledger_export_fail(job, reason=reason)
        except ConcurrentTransition:
            continue  # its worker finished after all
        dead += 1
    return dead
