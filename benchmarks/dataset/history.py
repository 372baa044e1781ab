"""The bookkeeping of one case's story: its clocks (docs/deadlines.md), events and notifications, and the rows
they end as; apart so that the story's steps read without it.
"""

from datetime import datetime, timedelta

from cases.models import CaseState, UrgingLevel
from workflow.models import ClockKind, ClockOutcome

from .. import vocabulary as words
from .district import ScaleDistrict
from .parts import Clock, Plan


class CaseHistory:
    """What a case's story keeps as it goes: its clocks, events and notifications; then the rows they make."""

    def __init__(self, dataset: ScaleDistrict, plan: Plan, number: str) -> None:
        self.data = dataset
        self.plan = plan
        self.rng = plan.rng
        self.days = dataset.days
        self.tables = dataset.tables
        self.people = dataset.people
        self.case_id = dataset.tables["case"].allocate()
        self.number = number
        self.policy = dataset.policy(plan.category, plan.complexity)
        self.running: dict[str, Clock] = {}
        self.ended: list[Clock] = []
        self.events: list[tuple] = []
        self.state = CaseState.OPENED
        self.version = 1
        self.updated_at = plan.filed_at
        self.assignee: int | None = None
        self.unit: int | None = None
        self.row: dict = {
            "assigned_at": None, "accepted_at": None, "resolved_at": None, "closed_at": None, "sent_back_at": None,
            "resolution_type": "", "reply": "", "satisfaction": None, "satisfaction_comment": "", "closure": "",
            "enterprise_reopen_count": 0, "urging_level": UrgingLevel.NONE, "urging_answer_due_at": None,
        }  # fmt: skip
        title, description = self.rng.choice(
            words.PROBLEMS.get(plan.category.code, words.PROBLEMS["business_environment"])
        )
        fill = {"amount": self.rng.randint(5, 500) * 10, "days": self.rng.randint(2, 9)}
        self.title = title
        self.description = description.format(**fill)
        self.notifications = 0

    # --- clocks, following docs/deadlines.md -------------------------------------------------------------------

    def start(self, kind: str, at: datetime, workdays: int, by: str, *, responsible=None, unit=None, due=None) -> Clock:
        self.stop(kind, at, ClockOutcome.RECOMPUTED)
        due_at = due or self.days.due(at, workdays)
        clock = Clock(
            id=self.tables["cycle"].allocate(),
            kind=kind,
            started_by=by,
            started_at=at,
            workdays=workdays,
            due_at=due_at,
            provisional=self.days.provisional(at, due_at),
            due_fixed=due is not None,
            responsible=responsible,
            unit=unit,
        )
        self.running[kind] = clock
        return clock

    def stop(self, kind: str, at: datetime, outcome: str) -> None:
        clock = self.running.pop(kind, None)
        if clock is not None:
            clock.ended_at, clock.outcome, clock.breached = at, outcome, at > clock.due_at
            self.ended.append(clock)

    def hand_over(self, kind: str, responsible, unit) -> None:
        if kind in self.running:
            self.running[kind].responsible, self.running[kind].unit = responsible, unit

    def ladder(self, clock: Clock, at: datetime) -> tuple[int, datetime | None]:
        """Reminder steps taken by ``at`` and the next one's time, as the sweep would have left them."""
        days, due = self.days, clock.due_at
        if clock.kind == ClockKind.ROUTING or clock.kind == ClockKind.FIRST_REPLY:
            steps = [due]
        elif clock.kind == ClockKind.RESPONSE:
            steps = [due - timedelta(hours=4), due]
        elif clock.kind == ClockKind.RESOLUTION:
            steps = [
                days.morning_before(due),
                days.morning_of(days.local_date(due)),
                due,
                days.morning_of(days.day_after(due, 3)),
            ]
        else:
            halfway = clock.workdays // 2
            first = (
                days.morning_of(days.day_after(clock.started_at, halfway + 1))
                if halfway
                else days.morning_of(days.local_date(due))
            )
            steps = [first, due]
        taken = sum(1 for step in steps if step <= at)
        return taken, steps[taken] if taken < len(steps) else None

    # --- events ------------------------------------------------------------------------------------------------

    def event(
        self, at, actor, action, *, to_state=None, note="", data=None, internal=False, transition=True, from_state=None
    ) -> None:
        before = self.state if from_state is None else from_state
        if to_state is not None:
            self.state = to_state
        if transition:
            self.version += 1
        self.events.append((at, actor, action, before, self.state, note, data or {}, internal))
        self.updated_at = max(self.updated_at, at)

    def notify(self, recipient: int, kind: str, at: datetime, subject: str) -> None:
        self.notifications += 1
        fresh = at > self.data.as_of - timedelta(days=3)
        read_at = None if fresh or self.rng.random() < 0.1 else at + timedelta(minutes=self.rng.randint(5, 600))
        table = self.tables["notification"]
        table.add(
            table.allocate(), recipient, kind, f"seed:case:{self.case_id}:{kind}:{self.notifications}",
            f"case:{self.case_id}", f"/cases/{self.case_id}/", subject, f"{self.number} {self.title}", at, at, read_at,
        )  # fmt: skip

    # --- the rows ----------------------------------------------------------------------------------------------

    def rows(self) -> None:
        as_of, plan, row = self.data.as_of, self.plan, self.row
        due = dict.fromkeys(("response_due_at", "first_reply_due_at", "resolution_due_at", "confirmation_due_at"))
        columns = {
            ClockKind.ROUTING: "response_due_at",
            ClockKind.RESPONSE: "response_due_at",
            ClockKind.FIRST_REPLY: "first_reply_due_at",
            ClockKind.RESOLUTION: "resolution_due_at",
            ClockKind.CONFIRMATION: "confirmation_due_at",
        }
        table = self.tables["cycle"]
        for clock in sorted(self.ended + list(self.running.values()), key=lambda c: c.id):
            running = clock.ended_at is None
            step, remind_at = self.ladder(clock, as_of if running else clock.ended_at)
            breached = clock.breached or (running and clock.due_at <= as_of and clock.kind != ClockKind.CONFIRMATION)
            if running:
                due[columns[clock.kind]] = clock.due_at
            table.add(
                clock.id, self.case_id, clock.kind, clock.started_by, clock.started_at, clock.workdays, clock.due_at,
                clock.provisional, clock.due_fixed, clock.responsible, clock.unit, clock.ended_at, clock.outcome,
                breached, step, remind_at, clock.urged_at,
            )  # fmt: skip
        # Written in time order, as the app appends them; the history above is told in logical order.
        events = self.tables["event"]
        for at, actor, action, before, after, note, data, internal in sorted(self.events, key=lambda event: event[0]):
            events.add(events.allocate(), self.case_id, actor, action, before, after, note, data, internal, at)
        provisional = any(clock.provisional for clock in self.running.values())
        self.tables["case"].add(
            self.case_id, self.number, plan.firm.id, plan.firm.contact, plan.category.pk, self.title, self.description,
            plan.complexity, self.state, self.version, self.assignee, self.unit, row["resolution_type"], row["reply"],
            row["satisfaction"], row["satisfaction_comment"], row["closure"], row["enterprise_reopen_count"],
            plan.filed_at, row["assigned_at"], row["accepted_at"], row["resolved_at"], row["closed_at"],
            row["sent_back_at"], self.updated_at, due["response_due_at"], due["first_reply_due_at"],
            due["resolution_due_at"], due["confirmation_due_at"], row["urging_level"], row["urging_answer_due_at"],
            provisional,
        )  # fmt: skip
