"""The ladder of a visit duty, on the engine every ladder shares (``workflow.ladder``).

``HUIYIN["VISIT_DUTY_REMIND_WORKDAYS"]`` working days before the next visit falls due, in the morning, the holder
hears (at the unit's level, the unit's heads); once the due time has passed without a visit, the holder and the
direct heads of the responsible unit hear that it was missed. Only in working hours (the engine waits for them),
once (the claim and the notification key, which holds the due time). A visit moves the due time and starts the
ladder afresh; so does a new holder.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from enterprises.selectors import unit_heads
from notifications.services import Message
from workflow import clock
from workflow.ladder import BATCH_SIZE, Ladder, Step, SweepReport, at_due
from workflow.selectors import work_calendar
from workflow.workdays import WorkCalendar

from .models import VisitDuty

THE_HOLDER, THE_HOLDER_AND_HEADS = "holder", "holder_and_heads"


def morning_before_due(row: VisitDuty, calendar: WorkCalendar) -> datetime:
    """The start of the working day ``VISIT_DUTY_REMIND_WORKDAYS`` working days before the due day."""
    day = calendar.local_date(row.due_at)
    for _ in range(settings.HUIYIN["VISIT_DUTY_REMIND_WORKDAYS"]):
        day = calendar.previous_workday(day)
    return calendar.start_of_day(day)


STEPS: tuple[Step[VisitDuty], ...] = (
    Step("reminder_visit_duty_due_soon", THE_HOLDER, morning_before_due, before_due=True),
    Step("reminder_visit_duty_missed", THE_HOLDER_AND_HEADS, at_due),
)


def duty_link(enterprise_id: int) -> str:
    """The API's list of the enterprise's duties; the inbox opens the enterprise's visits page instead."""
    return f"{reverse('api:visit-duty-list')}?{urlencode({'enterprise': enterprise_id})}"


class VisitDutyLadder(Ladder[VisitDuty]):
    model = VisitDuty
    running = Q(remind_at__isnull=False)
    related = ("enterprise", "person", "unit")

    def steps(self, row: VisitDuty) -> Sequence[Step]:
        return STEPS

    def audience_for(self, rows: Sequence[VisitDuty]) -> dict[int, list]:
        return unit_heads(row.unit_id for row in rows)

    def recipients(self, audience: dict[int, list], row: VisitDuty, step: Step) -> list:
        heads = audience.get(row.unit_id, [])
        holders = [row.person] if row.person_id else heads
        return holders + heads if step.audience == THE_HOLDER_AND_HEADS else holders

    def message(
        self, row: VisitDuty, step: Step, *, audience: dict[int, list], calendar: WorkCalendar, now: datetime
    ) -> Message:
        due = int(row.due_at.timestamp())
        holder = row.person_id or f"unit{row.unit_id}"
        return Message(
            kind=step.kind,
            key=f"visit_duty:{row.enterprise_id}:{row.level}:{holder}:{step.kind}:due{due}",
            about=f"enterprise:{row.enterprise_id}",
            link=duty_link(row.enterprise_id),
            context={"duty": row, "enterprise": row.enterprise, "level": row.get_level_display()},
        )


VISIT_DUTIES = VisitDutyLadder()


def visit_duties_sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Every visit-duty reminder due now, in batches; after hours it waits for the morning."""
    return VISIT_DUTIES.sweep(now=now or clock.now(), calendar=work_calendar(), limit=limit)
