"""Reminders of open rectifications, sent by a periodic sweep (``supervision.tasks``).

The ladder of an open rectification: the morning of the working day before it
is due, the morning of the due day (both to the unit: its heads and the
assignee), and at the due time, overdue (to the unit and the supervisors of the
jurisdiction). Like the case clocks (``workflow.reminders``), each row carries
``remind_at`` and ``reminder_step``; the sweep reads only rows whose reminder
has come (a partial index) and claims each step with a conditional UPDATE in
the transaction that writes its notifications, whose keys are unique: a second
sweep, a retried task or a second beat sends nothing twice.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from enterprises.access import jurisdictions
from enterprises.models import Role
from notifications.services import Message, notifications_create_many
from workflow import clock
from workflow.reminders import at_due, morning_before_due_day, morning_of_due_day
from workflow.selectors import work_calendar
from workflow.sweep import SweepReport
from workflow.workdays import WorkCalendar

from .models import Rectification, RectificationState

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
FAILED_STEP_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Step:
    kind: str
    at: Callable[[Rectification, WorkCalendar], datetime]
    before_due: bool = False  # a warning that makes no sense once the deadline has passed
    to_supervisors: bool = False


LADDER: tuple[Step, ...] = (
    Step("reminder_rectification_due_soon", morning_before_due_day, before_due=True),
    Step("reminder_rectification_due_today", morning_of_due_day, before_due=True),
    Step("reminder_rectification_overdue", at_due, to_supervisors=True),
)


def next_remind_at(rectification: Rectification, calendar: WorkCalendar) -> datetime | None:
    """When the next step is due, from the due time and the steps already taken; None when none is left."""
    step = rectification.reminder_step
    return LADDER[step].at(rectification, calendar) if step < len(LADDER) else None


def due_steps(
    rectification: Rectification, calendar: WorkCalendar, now: datetime
) -> tuple[list[Step], int, datetime | None]:
    """The steps to take now, the new step count, and when the next one is due."""
    taken, position = [], rectification.reminder_step
    while position < len(LADDER) and LADDER[position].at(rectification, calendar) <= now:
        step = LADDER[position]
        if not (step.before_due and rectification.due_at <= now):
            taken.append(step)
        position += 1
    next_at = LADDER[position].at(rectification, calendar) if position < len(LADDER) else None
    return taken, position, next_at


class Audience:
    """The unit heads and supervisors of the whole district, loaded once per sweep (four queries)."""

    def __init__(self) -> None:
        self.heads = jurisdictions(Role.UNIT_HEAD)
        self.supervisors = jurisdictions(Role.SUPERVISOR)

    def unit(self, rectification: Rectification) -> list:
        """The unit answers through the cadre who had the case and the heads over the unit."""
        heads = [user for user, units in self.heads.items() if rectification.unit_id in units]
        return ([rectification.assignee] if rectification.assignee else []) + heads

    def supervisors_of(self, rectification: Rectification) -> list:
        township_id = rectification.case.enterprise.township_id
        return [
            user for user, units in self.supervisors.items() if rectification.unit_id in units or township_id in units
        ]


def rectifications_due(now: datetime, *, limit: int) -> QuerySet[Rectification]:
    return (
        Rectification.objects.filter(state=RectificationState.OPEN, remind_at__lte=now)
        .select_related("case", "case__enterprise", "unit", "assignee")
        .order_by("remind_at", "id")[:limit]
    )


def reminder_message(rectification: Rectification, step: Step, calendar: WorkCalendar, now: datetime) -> Message:
    # The due time is part of the key: a rectification returned with a new deadline is reminded anew.
    due = int(rectification.due_at.timestamp())
    return Message(
        kind=step.kind,
        key=f"rectification:{rectification.pk}:{step.kind}:due{due}",
        about=f"rectification:{rectification.pk}",
        link=reverse("api:rectification-detail", kwargs={"pk": rectification.pk}),
        context={
            "rectification": rectification,
            "case": rectification.case,
            "overdue_workdays": calendar.workdays_between(rectification.due_at, now),
        },
    )


def rectification_claim(
    rectification: Rectification, *, calendar: WorkCalendar, audience: Audience, now: datetime
) -> list[tuple[list, Message]] | None:
    """Claim the due steps of one rectification and return its reminders; None if another sweep has them.

    Call inside a transaction that also writes the returned reminders.
    """
    steps, position, next_at = due_steps(rectification, calendar, now)
    claimed = Rectification.objects.filter(
        pk=rectification.pk,
        state=RectificationState.OPEN,
        reminder_step=rectification.reminder_step,
        due_at=rectification.due_at,
    ).update(reminder_step=position, remind_at=next_at)
    if not claimed:
        return None
    reminders = []
    for step in steps:
        recipients = audience.unit(rectification)
        if step.to_supervisors:
            recipients += audience.supervisors_of(rectification)
        reminders.append((recipients, reminder_message(rectification, step, calendar, now)))
    return reminders


def sweep_batch(now: datetime, *, calendar: WorkCalendar, audience: Audience, limit: int) -> SweepReport:
    """One batch, committed once; if anything in it fails, it is redone one row at a time."""
    rows = list(rectifications_due(now, limit=limit))
    if not rows:
        return SweepReport()
    try:
        with transaction.atomic():
            report, reminders = SweepReport(), []
            for rectification in rows:
                claimed = rectification_claim(rectification, calendar=calendar, audience=audience, now=now)
                if claimed is None:
                    report.skipped += 1
                else:
                    report.reminded += 1
                    reminders += claimed
            notifications_create_many(items=reminders)
        return report
    except Exception:
        logger.exception("A batch of %d rectification reminders failed; retrying it one by one", len(rows))
    return sweep_one_by_one(rows, now=now, calendar=calendar, audience=audience)


def sweep_one_by_one(
    rows: list[Rectification], *, now: datetime, calendar: WorkCalendar, audience: Audience
) -> SweepReport:
    report = SweepReport()
    for rectification in rows:
        try:
            with transaction.atomic():
                claimed = rectification_claim(rectification, calendar=calendar, audience=audience, now=now)
                if claimed is not None:
                    notifications_create_many(items=claimed)
        except Exception as error:
            logger.exception("Reminder of rectification %s failed; retrying later", rectification.pk)
            # The row waits an hour, so that one bad row cannot stall the sweep.
            Rectification.objects.filter(pk=rectification.pk, reminder_step=rectification.reminder_step).update(
                remind_at=now + FAILED_STEP_RETRY
            )
            report.failed += 1
            report.errors.append(f"{rectification.pk}: {error}")
            continue
        if claimed is None:
            report.skipped += 1
        else:
            report.reminded += 1
    return report


def rectifications_sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Every reminder due now, in batches. Outside working hours nothing is sent: it waits for the morning."""
    now = now or clock.now()
    calendar = work_calendar()
    total = SweepReport()
    if not calendar.is_working_time(now):
        total.outside_working_hours = True
        return total
    if not rectifications_due(now, limit=1).exists():
        return total
    audience = Audience()
    while True:
        report = sweep_batch(now, calendar=calendar, audience=audience, limit=limit)
        total.reminded += report.reminded
        total.skipped += report.skipped
        total.failed += report.failed
        total.errors += report.errors
        if report.reminded + report.skipped + report.failed < limit or report.reminded == 0:
            return total
