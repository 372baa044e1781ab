"""The ladder of a key project's node not yet reached, on the engine every ladder shares (``workflow.ladder``).

Some working days before the planned date (HUIYIN["MILESTONE_REMIND_WORKDAYS"]) the task force hears; once
the planned day is over, the node is late and the task force's leading cadre (its city-leader level, or the
whole task force if it has none) hears; HUIYIN["MILESTONE_ESCALATE_WORKDAYS"] working days later the project's
包保 leader and the district's leaders hear. Recording the actual date ends the ladder; a new planned date
starts it afresh, with new reminders (the due time is part of their key).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from enterprises.access import jurisdictions
from enterprises.models import Role, TaskForceLevel, TaskForceMember
from notifications.services import Message
from workflow import clock
from workflow.ladder import BATCH_SIZE, Ladder, Step, SweepReport, at_due
from workflow.selectors import work_calendar
from workflow.workdays import WorkCalendar

from .models import Milestone
from .selectors import remind_from

TASK_FORCE, LEADING_CADRE, LEADERS = "task_force", "leading_cadre", "leaders"


def before_planned_day(milestone: Milestone, calendar: WorkCalendar) -> datetime:
    return remind_from(milestone.planned_on, calendar)


def escalation_day(milestone: Milestone, calendar: WorkCalendar) -> datetime:
    """The start of the working day that many working days after the planned one."""
    late_by = calendar.add_workdays(milestone.due_at, settings.HUIYIN["MILESTONE_ESCALATE_WORKDAYS"])
    return calendar.start_of_day(calendar.local_date(late_by.due_at))


STEPS: tuple[Step[Milestone], ...] = (
    Step("reminder_milestone_due_soon", TASK_FORCE, before_planned_day, before_due=True),
    Step("reminder_milestone_late", LEADING_CADRE, at_due),
    Step("reminder_milestone_escalated", LEADERS, escalation_day),
)


@dataclass
class MilestoneAudience:
    members: dict[int, list[TaskForceMember]]
    leaders: dict


class MilestoneLadder(Ladder[Milestone]):
    model = Milestone
    running = Q(done_on__isnull=True, project__is_active=True)
    related = ("project", "project__enterprise", "project__leader", "kind")

    def steps(self, row: Milestone) -> Sequence[Step]:
        return STEPS

    def audience_for(self, rows: Sequence[Milestone]) -> MilestoneAudience:
        members = defaultdict(list)
        seats = TaskForceMember.objects.filter(project_id__in={row.project_id for row in rows}, user__is_active=True)
        for member in seats.select_related("user"):
            members[member.project_id].append(member)
        return MilestoneAudience(members=members, leaders=jurisdictions(Role.LEADER))

    def recipients(self, audience: MilestoneAudience, row: Milestone, step: Step) -> list:
        members = audience.members.get(row.project_id, [])
        if step.audience == TASK_FORCE:
            return [member.user for member in members]
        if step.audience == LEADING_CADRE:
            leading = [member.user for member in members if member.level == TaskForceLevel.CITY_LEADER]
            return leading or [member.user for member in members]
        township_id = row.project.enterprise.township_id
        return [row.project.leader] + [user for user, units in audience.leaders.items() if township_id in units]

    def message(
        self, row: Milestone, step: Step, *, audience: MilestoneAudience, calendar: WorkCalendar, now: datetime
    ) -> Message:
        due = int(row.due_at.timestamp())
        return Message(
            kind=step.kind,
            key=f"milestone:{row.pk}:{step.kind}:due{due}",
            about=f"project:{row.project_id}",
            link=reverse("api:project-detail", kwargs={"pk": row.project_id}),
            context={
                "milestone": row,
                "project": row.project,
                "late_workdays": calendar.workdays_between(row.due_at, now),
            },
        )


MILESTONES = MilestoneLadder()


def milestones_sweep(now: datetime | None = None, *, limit: int = BATCH_SIZE) -> SweepReport:
    """Every node reminder due now, in batches; after hours it waits for the morning."""
    return MILESTONES.sweep(now=now or clock.now(), calendar=work_calendar(), limit=limit)
