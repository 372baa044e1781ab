"""The reminder ladder: who hears about a clock, and when, before and after its deadline.

Each running clock (``DeadlineCycle``) carries ``remind_at``, the time of its
next step, and ``reminder_step``, how many steps are done. The sweep reads only
clocks whose ``remind_at`` has come (a partial index), so its cost grows with
what is due, not with the number of cases.

A step is claimed with a conditional UPDATE on ``reminder_step`` inside the
same transaction as its notifications: two sweeps, a retried task or a second
beat cannot both send it, and a crash before commit leaves it to the next
sweep. The notification key (case, kind, cycle, recipient) is the second lock.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse

from cases.models import Case
from enterprises.models import EnterpriseContact, Role, ServiceAssignment, UnitMembership
from notifications.services import Message

from .models import ClockKind, DeadlineCycle
from .workdays import WorkCalendar

logger = logging.getLogger(__name__)
User = get_user_model()

# Assignee: the person the clock counts against (the dispatchers while nobody is). Heads: the unit's heads.
ASSIGNEE, ASSIGNEE_AND_HEADS, DISPATCHERS, LEADER, ENTERPRISE, AUTO_CLOSE, NOBODY = (
    "assignee",
    "assignee_and_heads",
    "dispatchers",
    "leader",
    "enterprise",
    "auto_close",
    "nobody",
)
LEADER_AFTER_WORKDAYS = 3
RESPONSE_WARNING_HOURS = 4
FAILED_STEP_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Step:
    kind: str
    recipients: str
    at: Callable[[DeadlineCycle, WorkCalendar], datetime]
    before_due: bool = False  # a warning that makes no sense once the deadline has passed
    marks_breach: bool = False


def at_due(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    return cycle.due_at


def response_warning(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    return calendar.working_hours_before(cycle.due_at, RESPONSE_WARNING_HOURS)


def morning_before_due_day(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    due_day = cycle.due_at.astimezone(calendar.tz).date()
    return calendar.start_of_day(calendar.previous_workday(due_day))


def morning_of_due_day(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    return calendar.start_of_day(cycle.due_at.astimezone(calendar.tz).date())


def overdue_for_leader(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    """The morning of the working day on which the case becomes three working days overdue."""
    third_day = calendar.add_workdays(cycle.due_at, LEADER_AFTER_WORKDAYS).due_at.date()
    return calendar.start_of_day(third_day)


def halfway(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    """The morning after half the window's working days: of five, the third working day."""
    passed = cycle.workdays // 2
    if passed == 0:
        return calendar.start_of_day(calendar.local_date(cycle.due_at))
    return calendar.start_of_day(calendar.add_workdays(cycle.started_at, passed + 1).due_at.date())


LADDER: dict[str, tuple[Step, ...]] = {
    ClockKind.ROUTING: (Step("routing_overdue", DISPATCHERS, at_due, marks_breach=True),),
    ClockKind.RESPONSE: (
        Step("response_due_soon", ASSIGNEE, response_warning, before_due=True),
        Step("response_overdue", ASSIGNEE_AND_HEADS, at_due, marks_breach=True),
    ),
    ClockKind.FIRST_REPLY: (Step("first_reply_overdue", ASSIGNEE, at_due, marks_breach=True),),
    ClockKind.RESOLUTION: (
        Step("resolution_due_soon", ASSIGNEE, morning_before_due_day, before_due=True),
        Step("resolution_due_today", ASSIGNEE_AND_HEADS, morning_of_due_day, before_due=True),
        # Overdue resolutions reach supervisors in one daily digest (``overdue_digest``), not one by one.
        Step("resolution_overdue", NOBODY, at_due, marks_breach=True),
        Step("resolution_overdue_leader", LEADER, overdue_for_leader),
    ),
    ClockKind.CONFIRMATION: (
        Step("confirmation_pending", ENTERPRISE, halfway, before_due=True),
        Step("confirmation_expired", AUTO_CLOSE, at_due),
    ),
}


def next_remind_at(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime | None:
    """When the clock's next step is due, from its due time and the steps already taken."""
    steps = LADDER[cycle.kind]
    return steps[cycle.reminder_step].at(cycle, calendar) if cycle.reminder_step < len(steps) else None


def due_steps(cycle: DeadlineCycle, calendar: WorkCalendar, now: datetime) -> tuple[list[Step], int, datetime | None]:
    """The steps to take now, the new step count, and when the next one is due (None: ladder done)."""
    steps = LADDER[cycle.kind]
    taken, position = [], cycle.reminder_step
    while position < len(steps) and steps[position].at(cycle, calendar) <= now:
        step = steps[position]
        if not (step.before_due and cycle.due_at <= now):
            taken.append(step)
        position += 1
    next_at = steps[position].at(cycle, calendar) if position < len(steps) else None
    return taken, position, next_at


class Audience:
    """Everyone a batch of reminders can reach, loaded in a few queries for the whole batch."""

    def __init__(self, *, unit_ids: set[int], enterprise_ids: set[int]) -> None:
        self.heads: dict[int, list] = defaultdict(list)
        for membership in UnitMembership.objects.filter(
            unit_id__in=unit_ids, role=Role.UNIT_HEAD, user__is_active=True
        ).select_related("user"):
            self.heads[membership.unit_id].append(membership.user)
        self.leaders = {
            service.enterprise_id: service.leader
            for service in ServiceAssignment.objects.filter(
                enterprise_id__in=enterprise_ids, ended_at__isnull=True, leader__isnull=False
            ).select_related("leader")
        }
        self.contacts: dict[int, list] = defaultdict(list)
        for contact in EnterpriseContact.objects.filter(
            enterprise_id__in=enterprise_ids, user__is_active=True
        ).select_related("user"):
            self.contacts[contact.enterprise_id].append(contact.user)
        self._dispatchers: list | None = None

    @classmethod
    def for_cycles(cls, cycles: list[DeadlineCycle]) -> "Audience":
        return cls(
            unit_ids={cycle.unit_id for cycle in cycles if cycle.unit_id},
            enterprise_ids={cycle.case.enterprise_id for cycle in cycles},
        )

    def dispatchers(self) -> list:
        if self._dispatchers is None:
            self._dispatchers = list(
                User.objects.filter(unit_memberships__role=Role.DISPATCHER, is_active=True).distinct()
            )
        return self._dispatchers

    def of(self, cycle: DeadlineCycle, recipients: str) -> list:
        if recipients == ASSIGNEE:
            return self.assignee(cycle)
        if recipients == ASSIGNEE_AND_HEADS:
            return self.assignee(cycle) + self.heads.get(cycle.unit_id, [])
        if recipients == DISPATCHERS:
            return self.dispatchers()
        if recipients == LEADER:
            leader = self.leaders.get(cycle.case.enterprise_id)
            return [leader] if leader else []
        if recipients == ENTERPRISE:
            return self.contacts.get(cycle.case.enterprise_id, [])
        return []

    def assignee(self, cycle: DeadlineCycle) -> list:
        """The person the clock counts against; while there is none, the dispatchers.

        The first-reply clock starts at filing, before anyone is routed the case: until then the
        dispatchers, who route it, are the ones who can get the enterprise its answer.
        """
        return [cycle.responsible] if cycle.responsible else self.dispatchers()


def cycles_due(now: datetime, *, limit: int) -> QuerySet[DeadlineCycle]:
    return (
        DeadlineCycle.objects.filter(ended_at__isnull=True, remind_at__lte=now)
        .select_related("case", "case__enterprise", "responsible", "unit")
        .order_by("remind_at", "id")[:limit]
    )


def cycle_claim(
    cycle: DeadlineCycle, *, calendar: WorkCalendar, audience: Audience, now: datetime, close
) -> list[tuple[list, Message]] | None:
    """Claim the due steps of one clock and return the reminders they send; None if another sweep has them.

    Call inside a transaction that also writes the returned reminders.
    """
    steps, position, next_at = due_steps(cycle, calendar, now)
    breach = cycle.breached or any(step.marks_breach for step in steps)
    claimed = DeadlineCycle.objects.filter(
        pk=cycle.pk, reminder_step=cycle.reminder_step, ended_at__isnull=True
    ).update(reminder_step=position, remind_at=next_at, breached=breach)
    if not claimed:
        return None
    reminders = []
    for step in steps:
        if step.recipients == AUTO_CLOSE:
            close(case_id=cycle.case_id, now=now)
        else:
            reminders.append(
                (audience.of(cycle, step.recipients), reminder_message(cycle.case, step.kind, cycle, calendar, now))
            )
    return reminders


def reminder_message(case: Case, kind: str, cycle: DeadlineCycle, calendar: WorkCalendar, now: datetime) -> Message:
    return Message(
        kind=f"reminder_{kind}",
        key=f"case:{case.pk}:{kind}:cycle{cycle.pk}",
        about=f"case:{case.pk}",
        link=reverse("api:case-detail", kwargs={"pk": case.pk}),
        context={
            "case": case,
            "cycle": cycle,
            "overdue_workdays": calendar.workdays_between(cycle.due_at, now),
        },
    )


def push_back(cycle: DeadlineCycle, now: datetime) -> None:
    """A clock whose reminder failed waits an hour, so one bad row cannot stall the sweep."""
    DeadlineCycle.objects.filter(pk=cycle.pk, reminder_step=cycle.reminder_step).update(
        remind_at=now + FAILED_STEP_RETRY
    )
