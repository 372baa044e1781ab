"""The ladder of an open rectification (整改), on the engine every ladder shares (``workflow.ladder``).

The morning of the working day before it is due, and the morning of the due day, the unit hears (the
cadre who had the case and the heads who answer for the unit, those of the units above it included); at
the due time, overdue, the supervisors of the jurisdiction hear too. A rectification returned with a new
deadline starts its ladder afresh, and its reminders are new ones: the due time is part of their key.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from enterprises.access import jurisdictions
from enterprises.models import Role
from enterprises.selectors import unit_heads_with_parents
from notifications.services import Message
from workflow import clock
from workflow.ladder import BATCH_SIZE, Ladder, Step, SweepReport, at_due, morning_before_due_day, morning_of_due_day
from workflow.selectors import work_calendar
from workflow.workdays import WorkCalendar

from .models import Rectification, RectificationState

THE_UNIT, THE_UNIT_AND_SUPERVISORS = "unit", "unit_and_supervisors"
STEPS: tuple[Step[Rectification], ...] = (
    Step("reminder_rectification_due_soon", THE_UNIT, morning_before_due_day, before_due=True),
    Step("reminder_rectification_due_today", THE_UNIT, morning_of_due_day, before_due=True),
    Step("reminder_rectification_overdue", THE_UNIT_AND_SUPERVISORS, at_due),
)


@dataclass
class RectificationAudience:
    heads: dict[int, list]
    supervisors: dict


class RectificationLadder(Ladder[Rectification]):
    model = Rectification
    running = Q(state=RectificationState.OPEN)
    related = ("case", "case__enterprise", "unit", "assignee")

    def steps(self, row: Rectification) -> Sequence[Step]:
        return STEPS

    def audience_for(self, rows: Sequence[Rectification]) -> RectificationAudience:
        return RectificationAudience(
            heads=unit_heads_with_parents(row.unit_id for row in rows), supervisors=jurisdictions(Role.SUPERVISOR)
        )

    def recipients(self, audience: RectificationAudience, row: Rectification, step: Step) -> list:
        recipients = ([row.assignee] if row.assignee else []) + audience.heads.get(row.unit_id, [])
        if step.audience == THE_UNIT_AND_SUPERVISORS:
            township_id = row.case.enterprise.township_id
            recipients += [
                user for user, units in audience.supervisors.items() if row.unit_id in units or township_id in units
            ]
        return recipients

    def message(
        self, row: Rectification, step: Step, *, audience: RectificationAudience, calendar: WorkCalendar, now: datetime
    ) -> Message:
        due = int(row.due_at.timestamp())
        return Message(
            kind=step.kind,
            key=f"rectification:{row.pk}:{step.kind}:due{due}",
            about=f"rectification:{row.pk}",
            link=reverse("api:rectification-detail", kwargs={"pk": row.pk}),
            context={
                "rectification": row,
                "case": row.case,
                "overdue_workdays": calendar.workdays_between(row.due_at, now),
            },
        )


RECTIFICATIONS = RectificationLadder()


def rectifications_sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Every rectification reminder due now, in batches; after hours it waits for the morning."""
    return RECTIFICATIONS.sweep(now=now or clock.now(), calendar=work_calendar(), limit=limit)
