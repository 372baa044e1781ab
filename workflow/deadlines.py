"""The clocks of a case: which deadline runs, from when, until when, and how it ended.

Services call these inside their transaction. Every clock run is a
``DeadlineCycle`` row; the case's ``*_due_at`` columns mirror the running
ones so that lists and the sweep stay plain indexed queries.

Rules (docs/deadlines.md):
- filing starts the routing clock (the dispatcher's) and the first-reply clock;
- an assignment stops routing and starts the assignee's response clock and,
  unless one runs, the unit's resolution clock;
- a send-back stops the unit's clocks, hands the first-reply clock back to the
  dispatchers and starts the dispatcher's routing clock;
- a reassignment gives the new assignee a fresh response clock; within the same
  unit the resolution clock carries on; to another unit the old unit's resolution
  clock ends (a breach stays theirs) and the new unit's starts, with the same due
  time inside one bureau's hierarchy and a fresh one for an unrelated unit;
- resolving stops response, first reply and resolution, and starts the
  enterprise's confirmation clock; a reopen, or a failed re-check of a closed
  case, starts a new resolution cycle;
- an approved extension ends the resolution cycle and starts a new one;
- a pause (挂起) ends the resolution cycle ("paused", breached only if it was already late) and keeps the
  working days it had left; resuming starts a new cycle of that many (at least one) for whoever holds the
  case then. While paused no resolution clock runs, and a reassignment within one line of units leaves it so.
- merging a duplicate into another case (并单) stops every clock of the duplicate as "merged": its
  enterprise is answered on the other case, and the rates leave the duplicate out (docs/rates.md).
"""

from datetime import datetime, time
from typing import overload

from django.contrib.auth.models import User

from cases.models import Case
from enterprises.models import Unit

from .ladder import next_remind_at
from .models import ClockKind, ClockOutcome, DeadlineCycle, DeadlinePolicy
from .reminders import STEPS
from .workdays import Deadline, WorkCalendar

CASE_COLUMN: dict[str, str] = {
    ClockKind.ROUTING: "response_due_at",
    ClockKind.RESPONSE: "response_due_at",
    ClockKind.FIRST_REPLY: "first_reply_due_at",
    ClockKind.RESOLUTION: "resolution_due_at",
    ClockKind.CONFIRMATION: "confirmation_due_at",
}
DEADLINE_COLUMNS = sorted(set(CASE_COLUMN.values())) + ["deadlines_provisional"]


class PolicyBook:
    """Every policy in one query, for a list that needs the policy of many cases; the same choice as
    ``DeadlinePolicy.for_case``."""

    def __init__(self) -> None:
        self.policies = {(policy.category_id, policy.complexity): policy for policy in DeadlinePolicy.objects.all()}

    def for_case(self, case: Case) -> DeadlinePolicy:
        return (
            self.policies.get((case.category_id, case.complexity))
            or self.policies.get((None, case.complexity))
            or DeadlinePolicy(complexity=case.complexity)
        )


class CaseClocks:
    """Starts and stops the clocks of one case at one moment, then mirrors them onto the case row."""

    def __init__(self, case: Case, *, calendar: WorkCalendar, at: datetime) -> None:
        self.case = case
        self.calendar = calendar
        self.at = at
        self.running = {cycle.kind: cycle for cycle in DeadlineCycle.objects.filter(case=case, ended_at__isnull=True)}
        self.policy: DeadlinePolicy | None = None

    def workdays(self, attribute: str) -> int:
        if self.policy is None:
            self.policy = DeadlinePolicy.for_case(self.case)
        return getattr(self.policy, attribute)

    def length(self, due: Deadline | None, policy_attribute: str) -> int:
        """Working days of a clock: the policy's, or as many as lie before a due time set by hand."""
        if due is None:
            return self.workdays(policy_attribute)
        return max(1, self.calendar.workdays_between(self.at, due.due_at))

    def start(
        self,
        kind: ClockKind,
        *,
        workdays: int,
        started_by: str,
        due: Deadline | None = None,
        responsible: User | None = None,
        unit: Unit | None = None,
    ) -> DeadlineCycle:
        """Start a clock of ``workdays`` working days from now (or to a given due time)."""
        self.stop(kind, ClockOutcome.RECOMPUTED)
        fixed = due is not None
        due = due or self.calendar.add_workdays(self.at, workdays)
        cycle = DeadlineCycle(
            case=self.case,
            kind=kind,
            started_by=started_by,
            started_at=self.at,
            workdays=workdays,
            due_at=due.due_at,
            provisional=due.provisional,
            due_fixed=fixed,
            responsible=responsible,
            unit=unit,
        )
        cycle.remind_at = next_remind_at(STEPS[kind], cycle, self.calendar)
        self.save_cycle(cycle)
        self.running[kind] = cycle
        return cycle

    def stop(self, kind: str, outcome: ClockOutcome) -> DeadlineCycle | None:
        cycle = self.running.pop(kind, None)
        if cycle is None:
            return None
        cycle.ended_at = self.at
        cycle.outcome = outcome
        cycle.breached = cycle.breached or self.at > cycle.due_at
        self.save_cycle(cycle, fields=["ended_at", "outcome", "breached"])
        return cycle

    def stop_all(self, outcome: ClockOutcome) -> None:
        for kind in list(self.running):
            self.stop(kind, outcome)

    def hand_over(self, kind: ClockKind, *, responsible: User | None, unit: Unit | None) -> None:
        """The running clock keeps its due time but now counts against someone else."""
        cycle = self.running.get(kind)
        if cycle is not None:
            cycle.responsible, cycle.unit = responsible, unit
            self.save_cycle(cycle, fields=["responsible", "unit"])

    def mirror(self) -> Case:
        """Copy the running due times onto the case row: one UPDATE, no state change."""
        values = dict.fromkeys(DEADLINE_COLUMNS[:-1])
        for kind, cycle in self.running.items():
            values[CASE_COLUMN[kind]] = cycle.due_at
        values["deadlines_provisional"] = any(cycle.provisional for cycle in self.running.values())
        for column, value in values.items():
            setattr(self.case, column, value)
        self.save_deadlines(values)
        return self.case

    # The only two places the clocks reach the database, so that the demo's bulk writer (workflow/demo/rows.py,
    # BufferedClocks in buffer.py) can keep the same rows in memory and insert them in bulk.

    def save_cycle(self, cycle: DeadlineCycle, *, fields: list[str] | None = None) -> None:
        """Insert a new clock, or write the ``fields`` of one that changed."""
        if fields is None:
            cycle.save(force_insert=True)
        else:
            cycle.save(update_fields=fields)

    def save_deadlines(self, values: dict[str, object]) -> None:
        Case.objects.filter(pk=self.case.pk).update(**values)

    def on_filed(self) -> None:
        self.start(ClockKind.ROUTING, workdays=self.workdays("response_workdays"), started_by="file")
        self.start(ClockKind.FIRST_REPLY, workdays=self.workdays("first_reply_workdays"), started_by="file")

    def on_assigned(
        self,
        *,
        action: str,
        assignee: User,
        unit: Unit,
        response_due: Deadline | None = None,
        resolution_due: Deadline | None = None,
    ) -> None:
        self.stop(ClockKind.ROUTING, ClockOutcome.MET)
        self.stop(ClockKind.RESPONSE, ClockOutcome.REASSIGNED)
        self.hand_over(ClockKind.FIRST_REPLY, responsible=assignee, unit=unit)
        self.start(
            ClockKind.RESPONSE,
            workdays=self.length(response_due, "response_workdays"),
            started_by=action,
            due=response_due,
            responsible=assignee,
            unit=unit,
        )
        running = self.running.get(ClockKind.RESOLUTION)
        if self.case.paused_until is not None:
            # Still paused (a reassignment within one line of units): the resume starts the holder's clock.
            return
        if running is not None and resolution_due is None and running.unit_id == unit.pk:
            self.hand_over(ClockKind.RESOLUTION, responsible=assignee, unit=unit)
        elif running is not None and resolution_due is None:
            # Another unit answers from now on. The old unit's clock ends here, so a breach already past stays
            # theirs. A section of the same bureau keeps the bureau's deadline (moving a case inside one
            # organisation never buys time); an unrelated unit gets a clock of its own, as the policy gives.
            self.stop(ClockKind.RESOLUTION, ClockOutcome.REASSIGNED)
            same_line = units_in_one_line(running.unit_id, unit.pk)
            self.start(
                ClockKind.RESOLUTION,
                workdays=running.workdays if same_line else self.workdays("resolution_workdays"),
                started_by=action,
                due=Deadline(due_at=running.due_at, provisional=running.provisional) if same_line else None,
                responsible=assignee,
                unit=unit,
            )
        else:
            self.start(
                ClockKind.RESOLUTION,
                workdays=self.length(resolution_due, "resolution_workdays"),
                started_by=action,
                due=resolution_due,
                responsible=assignee,
                unit=unit,
            )

    def on_accepted(self) -> None:
        self.stop(ClockKind.RESPONSE, ClockOutcome.MET)

    def on_sent_back(self) -> None:
        self.stop(ClockKind.RESPONSE, ClockOutcome.SENT_BACK)
        self.stop(ClockKind.RESOLUTION, ClockOutcome.SENT_BACK)
        # The enterprise still waits for a first answer; it is nobody's in a unit now, so its reminder
        # goes to the dispatchers until the case is routed again.
        self.hand_over(ClockKind.FIRST_REPLY, responsible=None, unit=None)
        self.start(ClockKind.ROUTING, workdays=self.workdays("response_workdays"), started_by="send-back")

    def on_public_reply(self) -> None:
        self.stop(ClockKind.FIRST_REPLY, ClockOutcome.MET)

    def on_resolved(self) -> None:
        for kind in (ClockKind.RESPONSE, ClockKind.FIRST_REPLY, ClockKind.RESOLUTION):
            self.stop(kind, ClockOutcome.MET)
        self.start(ClockKind.CONFIRMATION, workdays=self.workdays("confirmation_workdays"), started_by="resolve")

    def on_reopened(self, *, started_by: str = "reopen") -> None:
        """A new resolution cycle for the same assignee and unit, after a rejection or a failed re-check."""
        self.stop(ClockKind.CONFIRMATION, ClockOutcome.REOPENED)
        self.start(
            ClockKind.RESOLUTION,
            workdays=self.workdays("reopen_workdays"),
            started_by=started_by,
            responsible=self.case.assignee,
            unit=self.case.responsible_unit,
        )

    def on_extended(self, *, due: Deadline, workdays: int) -> None:
        current = self.running.get(ClockKind.RESOLUTION)
        self.stop(ClockKind.RESOLUTION, ClockOutcome.EXTENDED)
        self.start(
            ClockKind.RESOLUTION,
            workdays=workdays,
            started_by="extension",
            due=due,
            responsible=current.responsible if current else self.case.assignee,
            unit=current.unit if current else self.case.responsible_unit,
        )

    def on_paused(self) -> tuple[DeadlineCycle, int]:
        """The resolution clock stops for a pause: the ended cycle and the working days it had left (at least
        one, also when it was already late: the breach stays, and the resumed clock still gets a day)."""
        cycle = self.stop(ClockKind.RESOLUTION, ClockOutcome.PAUSED)
        if cycle is None:
            raise ValueError(f"Case {self.case.pk} has no running resolution clock to pause.")
        left = self.calendar.workdays_between(self.at, cycle.due_at) if cycle.due_at > self.at else 0
        return cycle, max(1, left)

    def on_resumed(self, *, workdays: int) -> DeadlineCycle:
        """A new resolution cycle of the working days the paused one had left, for whoever holds the case now."""
        return self.start(
            ClockKind.RESOLUTION,
            workdays=workdays,
            started_by="resume",
            responsible=self.case.assignee,
            unit=self.case.responsible_unit,
        )

    def on_closed(self, outcome: ClockOutcome) -> None:
        """Every running clock ends: met when the enterprise confirmed, otherwise with how it closed."""
        self.stop_all(outcome)


def units_in_one_line(first_id: int | None, second_id: int | None) -> bool:
    """Whether one unit lies above the other in the hierarchy (a bureau and its section), or both are one."""
    if first_id is None or second_id is None:
        return False
    return first_id in _unit_lineage(second_id) or second_id in _unit_lineage(first_id)


def _unit_lineage(unit_id: int) -> set[int]:
    """The unit and every unit above it: a few rows, read only when a case changes unit."""
    lineage: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in lineage:
        lineage.add(current)
        current = Unit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return lineage


@overload
def fixed_due(calendar: WorkCalendar, due_at: datetime) -> Deadline: ...
@overload
def fixed_due(calendar: WorkCalendar, due_at: None) -> None: ...
def fixed_due(calendar: WorkCalendar, due_at: datetime | None) -> Deadline | None:
    """A due time the dispatcher set by hand; provisional when it lies in a year without a schedule."""
    if due_at is None:
        return None
    return Deadline(due_at=due_at, provisional=not calendar.is_official(calendar.local_date(due_at)))


def overdue_cutoff(calendar: WorkCalendar, now: datetime, workdays: int) -> datetime:
    """The due time before which a clock is at least ``workdays`` working days late at ``now``.

    ``workdays_between(due_at, now)`` counts the working days after the due day up
    to today, so a clock is N days late exactly when it fell due before the N-th
    working day counted back from today (today included when worked). That day's
    midnight is the cutoff, whatever the hour of the due time.
    """
    if workdays < 1:
        raise ValueError(f"A cutoff needs at least one working day, got {workdays}.")
    day = calendar.local_date(now)
    if not calendar.is_workday(day):
        day = calendar.previous_workday(day)
    for _ in range(workdays - 1):
        day = calendar.previous_workday(day)
    return datetime.combine(day, time.min, tzinfo=calendar.tz)
