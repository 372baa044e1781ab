"""The workflow's ladders: who hears about a clock, and when, before and after its deadline; and the enterprise's
reminder of a paused clock.

Each running clock (``DeadlineCycle``) is a row on the clocks' ladder (``workflow.ladder`` is the engine): the
steps of its kind say when, the audience says who, the message names the case. Overdue resolutions
reach supervisors in one daily digest (``workflow.sweep.overdue_digest``), not one by one; an
unanswered resolution closes by itself at the end of the enterprise's confirmation window. A running pause
(``ClockPause``) has a ladder of one step: the morning of its expected date, the enterprise is reminded of
what is needed (the sweep resumes the clock once the date has passed: ``workflow.sweep.pauses_expire``).
"""

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from functools import cached_property
from typing import NamedTuple

from django.contrib.auth.models import User
from django.db.models import F, Q, QuerySet
from django.utils.timezone import get_current_timezone

from core.links import id_url, id_url_format
from core.people import person_name
from enterprises.selectors import dispatchers, enterprise_contacts, enterprise_leaders, unit_heads
from notifications.services import Message

from .ladder import Ladder, Step, at_due, morning_before_due_day, morning_of_due_day, of_due_at_only
from .models import ClockKind, ClockPause, DeadlineCycle, PauseState
from .workdays import WorkCalendar

# Who a step reaches. The assignee is the person the clock counts against (the dispatchers while nobody
# is); the heads are the unit's own (direct) heads.
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


@of_due_at_only
def response_warning(cycle: DeadlineCycle, calendar: WorkCalendar) -> datetime:
    return calendar.working_hours_before(cycle.due_at, RESPONSE_WARNING_HOURS)


@of_due_at_only
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


STEPS: dict[str, tuple[Step[DeadlineCycle], ...]] = {
    ClockKind.ROUTING: (Step("routing_overdue", DISPATCHERS, at_due, marks_breach=True),),
    ClockKind.RESPONSE: (
        Step("response_due_soon", ASSIGNEE, response_warning, before_due=True),
        Step("response_overdue", ASSIGNEE_AND_HEADS, at_due, marks_breach=True),
    ),
    ClockKind.FIRST_REPLY: (Step("first_reply_overdue", ASSIGNEE, at_due, marks_breach=True),),
    ClockKind.RESOLUTION: (
        Step("resolution_due_soon", ASSIGNEE, morning_before_due_day, before_due=True),
        Step("resolution_due_today", ASSIGNEE_AND_HEADS, morning_of_due_day, before_due=True),
        Step("resolution_overdue", NOBODY, at_due, marks_breach=True),
        Step("resolution_overdue_leader", LEADER, overdue_for_leader),
    ),
    ClockKind.CONFIRMATION: (
        Step("confirmation_pending", ENTERPRISE, halfway, before_due=True),
        Step("confirmation_expired", AUTO_CLOSE, at_due),
    ),
}


class ClockRow(NamedTuple):
    """A claimed clock as the sweep reads it: its own columns and the few of its case, enterprise, unit and
    assignee that messages print and notifications read (annotated by ``ClockLadder.due``). A sweep claims fifty
    thousand: a clock and a person built as models for each were a third of its time in Python."""

    pk: int
    case_id: int
    kind: str
    unit_id: int | None
    responsible_id: int | None
    started_at: datetime
    workdays: int
    due_at: datetime
    reminder_step: int
    breached: bool
    case_number: str
    case_title: str
    case_enterprise_id: int
    enterprise_name: str
    unit_name: str | None
    responsible_is_active: bool | None
    responsible_email: str | None
    responsible_first_name: str | None
    responsible_last_name: str | None
    responsible_username: str | None


class Assignee(NamedTuple):
    """A clock's assignee as a recipient (``notifications.selectors.Recipient``) and the name a leader reads."""

    pk: int
    is_active: bool
    email: str
    first_name: str
    last_name: str
    username: str

    @property
    def name(self) -> str:
        return person_name(first_name=self.first_name, last_name=self.last_name, username=self.username)


class ClockAudience:
    """Everyone a batch of clocks can reach: each group in one query for the whole batch, read only once a step
    of the batch reaches it (a batch of warnings to assignees reads no enterprise's contacts); and what the
    batch's messages look up once, not once each: the time zone and the cases' address."""

    def __init__(self, rows: Sequence[ClockRow]) -> None:
        self.rows = rows
        self.zone = get_current_timezone()
        self.case_link = id_url_format("api:case-detail")

    @cached_property
    def assignees(self) -> dict[int, Assignee]:
        """The people the clocks count against, by id, from the columns the claim read."""
        return {
            row.responsible_id: Assignee(
                row.responsible_id,
                bool(row.responsible_is_active),
                row.responsible_email or "",
                row.responsible_first_name or "",
                row.responsible_last_name or "",
                row.responsible_username or "",
            )
            for row in self.rows
            if row.responsible_id is not None
        }

    @cached_property
    def heads(self) -> dict[int, list]:
        return unit_heads(row.unit_id for row in self.rows if row.unit_id)

    @cached_property
    def leaders(self) -> dict[int, User]:
        return enterprise_leaders(row.case_enterprise_id for row in self.rows)

    @cached_property
    def contacts(self) -> dict[int, list]:
        return enterprise_contacts(row.case_enterprise_id for row in self.rows)

    @cached_property
    def dispatchers(self) -> list:
        return list(dispatchers())


def minute(moment: datetime, zone: tzinfo) -> str:
    """A moment as the messages print it, in the (current) time zone given: the templates' ``date:"Y-m-d H:i"``."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


class ClockLadder(Ladder[ClockRow]):
    """The reminders of running clocks. ``close`` closes an unanswered resolution (``case_close_unanswered``),
    given by the sweep so that this module stays below the services."""

    model = DeadlineCycle
    running = Q(ended_at__isnull=True)
    claim_fields = ("breached",)

    def __init__(self, *, close: Callable[..., bool]) -> None:
        self.close = close

    def steps(self, row: ClockRow) -> Sequence[Step]:
        return STEPS[row.kind]

    def due(self, now: datetime) -> QuerySet[DeadlineCycle]:
        return (
            super()
            .due(now)
            .annotate(
                case_number=F("case__number"),
                case_title=F("case__title"),
                case_enterprise_id=F("case__enterprise_id"),
                enterprise_name=F("case__enterprise__name"),
                unit_name=F("unit__name"),
                responsible_is_active=F("responsible__is_active"),
                responsible_email=F("responsible__email"),
                responsible_first_name=F("responsible__first_name"),
                responsible_last_name=F("responsible__last_name"),
                responsible_username=F("responsible__username"),
            )
        )

    def read(self, locked: QuerySet) -> list[ClockRow]:
        return [ClockRow._make(values) for values in locked.values_list(*ClockRow._fields)]

    def audience_for(self, rows: Sequence[ClockRow]) -> ClockAudience:
        return ClockAudience(rows)

    def recipients(self, audience: ClockAudience, row: ClockRow, step: Step) -> list:
        # The first-reply clock runs from filing, before anyone is routed the case: until then (and after a
        # send-back) the dispatchers, who route it, are the ones who can get the enterprise its answer.
        assignee = [audience.assignees[row.responsible_id]] if row.responsible_id else audience.dispatchers
        if step.audience == ASSIGNEE:
            return assignee
        if step.audience == ASSIGNEE_AND_HEADS:
            return assignee + (audience.heads.get(row.unit_id, []) if row.unit_id else [])
        if step.audience == DISPATCHERS:
            return audience.dispatchers
        if step.audience == LEADER:
            leader = audience.leaders.get(row.case_enterprise_id)
            return [leader] if leader else []
        if step.audience == ENTERPRISE:
            return audience.contacts.get(row.case_enterprise_id, [])
        return []

    def message(
        self, row: ClockRow, step: Step, *, audience: ClockAudience, calendar: WorkCalendar, now: datetime
    ) -> Message:
        fill: dict[str, object] = {
            "number": row.case_number,
            "title": row.case_title,
            "due": minute(row.due_at, audience.zone),
        }
        context: dict = {"assigned": row.responsible_id is not None}
        if step.audience == LEADER:
            # The leader reads how late it is (a plural, so part of the context), whose it is and where.
            context["days"] = calendar.workdays_between(row.due_at, now)
            who = audience.assignees[row.responsible_id].name if row.responsible_id else ""
            fill |= {"enterprise": row.enterprise_name, "unit": row.unit_name or "", "who": who}
        return Message(
            kind=f"reminder_{step.kind}",
            key=f"case:{row.case_id}:{step.kind}:cycle{row.pk}",
            about=f"case:{row.case_id}",
            link=audience.case_link % row.case_id,
            context=context,
            fill=fill,
        )

    def claimed(self, row: ClockRow, steps: Sequence[Step], *, now: datetime) -> tuple:
        return (row.breached or any(step.marks_breach for step in steps),)

    def act(self, row: ClockRow, step: Step, *, now: datetime) -> bool:
        if step.audience != AUTO_CLOSE:
            return False
        self.close(case_id=row.case_id, now=now)
        return True


PAUSE_STEPS: tuple[Step[ClockPause], ...] = (
    Step("reminder_pause_due_today", ENTERPRISE, morning_of_due_day, before_due=True),
)


class PauseLadder(Ladder[ClockPause]):
    """The enterprise's reminder, on the expected date, of the material a paused case waits for."""

    model = ClockPause
    running = Q(state=PauseState.RUNNING)

    def steps(self, row: ClockPause) -> Sequence[Step]:
        return PAUSE_STEPS

    def due(self, now: datetime) -> QuerySet[ClockPause]:
        return (
            super()
            .due(now)
            .annotate(
                case_number=F("case__number"), case_title=F("case__title"), case_enterprise_id=F("case__enterprise_id")
            )
        )

    def audience_for(self, rows: Sequence[ClockPause]) -> dict[int, list]:
        return enterprise_contacts({row.case_enterprise_id for row in rows})  # type: ignore[attr-defined]  # annotated by due()

    def recipients(self, audience: dict[int, list], row: ClockPause, step: Step) -> list:
        return audience.get(row.case_enterprise_id, [])  # type: ignore[attr-defined]  # annotated by due()

    def message(
        self, row: ClockPause, step: Step, *, audience: dict[int, list], calendar: WorkCalendar, now: datetime
    ) -> Message:
        return Message(
            kind=step.kind,
            key=f"case:{row.case_id}:{step.kind}:pause{row.pk}",
            about=f"case:{row.case_id}",
            link=id_url("api:case-detail", row.case_id),
            fill={"number": row.case_number, "title": row.case_title, "needed": row.needed},  # type: ignore[attr-defined]  # annotated by due()
        )
