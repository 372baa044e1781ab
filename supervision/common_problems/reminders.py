"""The ladder of an open common problem, on the engine every ladder shares (``workflow.ladder``).

The morning of the working day before it is due and the morning of the due day, the heads of the responsible
unit hear; at the due time, overdue, the dispatchers and the supervisors of the unit hear too. Answering ends
the ladder (``remind_at`` is emptied).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
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

from .models import CommonProblem, CommonProblemState

THE_UNIT, THE_UNIT_AND_OVERSEERS = "unit", "unit_and_overseers"
STEPS: tuple[Step[CommonProblem], ...] = (
    Step("reminder_common_problem_due_soon", THE_UNIT, morning_before_due_day, before_due=True),
    Step("reminder_common_problem_due_today", THE_UNIT, morning_of_due_day, before_due=True),
    Step("reminder_common_problem_overdue", THE_UNIT_AND_OVERSEERS, at_due),
)


@dataclass
class CommonProblemAudience:
    heads: dict[int, list]
    supervisors: dict
    dispatchers: list


class CommonProblemLadder(Ladder[CommonProblem]):
    model = CommonProblem
    running = Q(state=CommonProblemState.OPEN)
    related = ("unit",)

    def steps(self, row: CommonProblem) -> Sequence[Step]:
        return STEPS

    def audience_for(self, rows: Sequence[CommonProblem]) -> CommonProblemAudience:
        dispatchers = list(User.objects.filter(unit_memberships__role=Role.DISPATCHER, is_active=True).distinct())
        return CommonProblemAudience(
            heads=unit_heads_with_parents(row.unit_id for row in rows),
            supervisors=jurisdictions(Role.SUPERVISOR),
            dispatchers=dispatchers,
        )

    def recipients(self, audience: CommonProblemAudience, row: CommonProblem, step: Step) -> list:
        recipients = list(audience.heads.get(row.unit_id, []))
        if step.audience == THE_UNIT_AND_OVERSEERS:
            recipients += audience.dispatchers
            recipients += [user for user, units in audience.supervisors.items() if row.unit_id in units]
        return recipients

    def message(
        self, row: CommonProblem, step: Step, *, audience: CommonProblemAudience, calendar: WorkCalendar, now: datetime
    ) -> Message:
        due = int(row.due_at.timestamp())
        return Message(
            kind=step.kind,
            key=f"common_problem:{row.pk}:{step.kind}:due{due}",
            about=f"common_problem:{row.pk}",
            link=reverse("api:common-problem-detail", kwargs={"pk": row.pk}),
            context={"problem": row, "overdue_workdays": calendar.workdays_between(row.due_at, now)},
        )


COMMON_PROBLEMS = CommonProblemLadder()


def common_problems_sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Every common problem reminder due now, in batches; after hours it waits for the morning."""
    return COMMON_PROBLEMS.sweep(now=now or clock.now(), calendar=work_calendar(), limit=limit)
