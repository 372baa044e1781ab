"""The one engine of every reminder ladder: deadline clocks, rectifications, and whatever comes next.

A ladder is a table of steps, each due at a moment computed from the row (the morning before its
due day, its due time, three working days after it...). Every row on a ladder carries
``reminder_step`` (how many steps are done) and ``remind_at`` (when the next one is due), so the
sweep reads only rows whose reminder has come, through a partial index: its cost grows with what
is due, not with the size of the tables.

A batch is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and moved up its ladders with one
UPDATE joined to a VALUES list, in the transaction that writes its notifications: a second sweep, a second beat or a
retried task skips the rows this one holds and, once it commits, finds them no longer due. (SQLite
has no row locks; its write transactions take the database lock at BEGIN, which serialises sweeps
just as well.) The notification keys are unique as well: a second line of defence. A batch that
fails is rolled back and redone one row at a time, and a row that fails alone waits an hour, so one
bad row can neither stall the sweep nor make it loop.

Each ladder says only what is its own: its rows, its steps, who hears each step and what they read.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Q, QuerySet

from core.statements import array_cursor, array_parameter
from notifications.services import Message, notifications_create_many

from .workdays import WorkCalendar

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
FAILED_STEP_RETRY = timedelta(hours=1)

# A model instance, or a ladder's own NamedTuple of the columns it reads (``Ladder.read``); either has ``pk``,
# ``reminder_step`` and ``due_at``.
Row = TypeVar("Row", bound=Any)
Reminder = tuple[list, Message]


@dataclass(frozen=True)
class Step(Generic[Row]):
    """One rung: ``kind`` names it (and its notification templates), ``audience`` says who hears it in the
    ladder's own terms, ``at`` says when it is due for a row."""

    kind: str
    audience: str
    at: Callable[[Row, WorkCalendar], datetime]
    before_due: bool = False  # a warning that makes no sense once the deadline has passed
    marks_breach: bool = False


@dataclass
class SweepReport:
    reminded: int = 0
    failed: int = 0
    digests: int = 0
    urged: int = 0
    resumed: int = 0
    skipped: int = 0
    outside_working_hours: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: "SweepReport") -> None:
        self.reminded += other.reminded
        self.failed += other.failed
        self.urged += other.urged
        self.resumed += other.resumed
        self.skipped += other.skipped
        self.errors += other.errors


# --- moments every ladder's steps use: rows on a ladder have a due_at ------------------------------------


Moment = TypeVar("Moment", bound=Callable[[Any, WorkCalendar], datetime])
_OF_DUE_AT_ONLY: set[Callable] = set()


def of_due_at_only(moment: Moment) -> Moment:
    """Mark a step's moment as reading nothing of the row but its ``due_at``: a batch computes it once per
    deadline, not once per row (most deadlines end at the close of a working day, so a batch's rows share few)."""
    _OF_DUE_AT_ONLY.add(moment)
    return moment


@of_due_at_only
def at_due(row: Any, calendar: WorkCalendar) -> datetime:
    return row.due_at


@of_due_at_only
def morning_before_due_day(row: Any, calendar: WorkCalendar) -> datetime:
    """The start of the working day before the one it is due on."""
    return calendar.start_of_day(calendar.previous_workday(calendar.local_date(row.due_at)))


@of_due_at_only
def morning_of_due_day(row: Any, calendar: WorkCalendar) -> datetime:
    return calendar.start_of_day(calendar.local_date(row.due_at))


# --- the engine ----------------------------------------------------------------------------------------------


def next_remind_at(steps: Sequence[Step], row: Any, calendar: WorkCalendar) -> datetime | None:
    """When the row's next step is due, from the steps already taken; None when the ladder is done."""
    return steps[row.reminder_step].at(row, calendar) if row.reminder_step < len(steps) else None


def due_steps(
    steps: Sequence[Step], row: Any, calendar: WorkCalendar, now: datetime, *, moments: dict | None = None
) -> tuple[list[Step], int, datetime | None]:
    """The steps to take now, the new step count, and when the next one is due (None: ladder done).

    Steps whose time passed unseen (the sweep did not run, or it was after hours) are taken together;
    a warning before the deadline is skipped once the deadline itself has passed. ``moments`` keeps the
    moments ``of_due_at_only`` across the rows of a batch.
    """
    taken: list[Step] = []
    position = row.reminder_step
    while position < len(steps):
        step = steps[position]
        # Once each: the first step not yet due is the next one.
        if moments is not None and step.at in _OF_DUE_AT_ONLY:
            key = step.at, row.due_at
            at = moments.get(key)
            if at is None:
                at = moments[key] = step.at(row, calendar)
        else:
            at = step.at(row, calendar)
        if at > now:
            return taken, position, at
        if not (step.before_due and row.due_at <= now):
            taken.append(step)
        position += 1
    return taken, position, None


class Ladder(ABC, Generic[Row]):
    """What one kind of row brings to the engine. Subclasses set ``model``, ``running`` and ``related``, or read
    their rows as a NamedTuple of their own (``read``) where building a model instance per row costs too much."""

    model: type[models.Model]
    #: Rows still on their ladder; the engine adds "reminder due by now".
    running: Q
    #: What ``audience_for``, ``recipients`` and ``message`` read, joined in the batch's one query.
    related: tuple[str, ...] = ()
    #: Columns besides the step count that a claim writes (their values given by ``claimed``).
    claim_fields: tuple[str, ...] = ()

    @abstractmethod
    def steps(self, row: Row) -> Sequence[Step]: ...

    @abstractmethod
    def audience_for(self, rows: Sequence[Row]) -> Any:
        """Everyone a batch can reach, loaded in a few queries for the whole batch."""

    @abstractmethod
    def recipients(self, audience: Any, row: Row, step: Step) -> list: ...

    @abstractmethod
    def message(self, row: Row, step: Step, *, audience: Any, calendar: WorkCalendar, now: datetime) -> Message:
        """What the step tells; ``audience`` (``audience_for``) also holds what a batch's messages look up once."""

    def claimed(self, row: Row, steps: Sequence[Step], *, now: datetime) -> tuple:
        """The values of ``claim_fields`` the claim writes for the row after these steps. None by default."""
        return ()

    def act(self, row: Row, step: Step, *, now: datetime) -> bool:
        """Carry out a step that does something instead of telling someone; True if it did. None by default."""
        return False

    def due(self, now: datetime) -> QuerySet:
        return self.model._default_manager.filter(self.running, remind_at__lte=now)

    def read(self, locked: QuerySet) -> list[Row]:
        """The claimed rows, as the ladder reads them: model instances with their ``related`` ones by default."""
        if self.related:  # select_related() with no names would follow every foreign key
            locked = locked.select_related(*self.related)
        return list(locked)

    def sweep(self, *, now: datetime, calendar: WorkCalendar, limit: int = BATCH_SIZE) -> SweepReport:
        """Every reminder due now, a batch at a time. Outside working hours nothing is sent: it waits for
        the next working morning."""
        total = SweepReport()
        if not calendar.is_working_time(now):
            total.outside_working_hours = True
            return total
        while True:
            report, seen = self._sweep_batch(now=now, calendar=calendar, limit=limit)
            total.add(report)
            if seen < limit or report.reminded == 0:
                return total

    def _locked_due(self, now: datetime, *, ids: Iterable[int] | None = None, limit: int) -> list[Row]:
        rows = self.due(now)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        # Only the ladder's own rows are locked: the joined ones may be on the nullable side of an outer join.
        locked = rows.select_for_update(skip_locked=True, of=("self",))
        return self.read(locked.order_by("remind_at", "pk")[:limit])

    def _climb(
        self, rows: Sequence[Row], *, calendar: WorkCalendar, now: datetime
    ) -> tuple[list[tuple], list[Reminder]]:
        """Move each row up its ladder, act on the steps that act, and collect the reminders. The rows are left as
        they were read: the climb is the values each one's claim writes (its id, step count, next reminder and
        ``claim_fields``)."""
        audience = self.audience_for(rows)
        climbed: list[tuple] = []
        reminders: list[Reminder] = []
        moments: dict = {}
        for row in rows:
            steps, position, next_at = due_steps(self.steps(row), row, calendar, now, moments=moments)
            climbed.append((row.pk, position, next_at, *self.claimed(row, steps, now=now)))
            for step in steps:
                if not self.act(row, step, now=now):
                    message = self.message(row, step, audience=audience, calendar=calendar, now=now)
                    reminders.append((self.recipients(audience, row, step), message))
        return climbed, reminders

    def _write_climbed(self, climbed: Sequence[tuple]) -> None:
        """Write each row's new step (and what ``claimed`` gave) in one UPDATE joined to the new values.

        Django's ``bulk_update`` builds a CASE of every row for every column: at a batch of 500, building
        and planning it took longer than everything else the sweep does. On PostgreSQL the values travel as
        one array per column (``unnest``), so the statement stays the same short text whatever the batch,
        as Django's own bulk insert does; SQLite joins a VALUES list.
        """
        meta = self.model._meta
        # The model's own columns: fields, not the reverse relations get_field may also return; each has a
        # column and a database type, which the stubs leave optional for fields without one.
        written = ("reminder_step", "remind_at", *self.claim_fields)
        columns: list[models.Field] = [meta.get_field(name) for name in written]  # type: ignore[misc]
        fields = (meta.pk, *columns)
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        assignments = ", ".join(f"{quote(field.column)} = v.column{index}" for index, field in enumerate(columns, 2))  # type: ignore[arg-type]
        if connection.vendor == "postgresql":
            # The driver binds the climb's ids, counts, flags and aware moments as they are: preparing each value
            # through its field, which changes none of them here, was half the time in Python of writing them.
            names = ", ".join(f"column{index}" for index in range(1, len(fields) + 1))
            arrays = ", ".join(array_parameter(field) for field in fields)
            source, params = f"unnest({arrays}) AS v({names})", [list(column) for column in zip(*climbed, strict=True)]
        else:
            # The connection itself: each use of the ``connection`` proxy looks up this thread's, 2,000 times a batch.
            database = connections[DEFAULT_DB_ALIAS]
            row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
            source = f"(VALUES {', '.join([row_sql] * len(climbed))}) AS v"  # its columns are column1, column2…
            params = [
                field.get_db_prep_value(value, database)
                for row in climbed
                for field, value in zip(fields, row, strict=True)
            ]
        with array_cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {source} WHERE {table}.{quote(meta.pk.column)} = v.column1",  # type: ignore[arg-type]
                params,
            )

    def _sweep_batch(self, *, now: datetime, calendar: WorkCalendar, limit: int) -> tuple[SweepReport, int]:
        """One batch, committed once: claim, climb, write the reminders. If anything in it fails, the
        batch is rolled back and redone one row at a time."""
        ids: list[int] = []
        try:
            with transaction.atomic():
                rows = self._locked_due(now, limit=limit)
                ids = [row.pk for row in rows]
                if not rows:
                    return SweepReport(), 0
                climbed, reminders = self._climb(rows, calendar=calendar, now=now)
                self._write_climbed(climbed)
                notifications_create_many(items=reminders)
            return SweepReport(reminded=len(rows)), len(rows)
        except Exception:
            logger.exception("A batch of %d %s reminders failed; retrying it one by one", len(ids), self.model.__name__)
        return self._sweep_one_by_one(ids, now=now, calendar=calendar), len(ids)

    def _sweep_one_by_one(self, ids: list[int], *, now: datetime, calendar: WorkCalendar) -> SweepReport:
        report = SweepReport()
        for row_id in ids:
            try:
                with transaction.atomic():
                    rows = self._locked_due(now, ids=[row_id], limit=1)
                    if not rows:
                        continue  # taken by another sweep meanwhile
                    climbed, reminders = self._climb(rows, calendar=calendar, now=now)
                    self._write_climbed(climbed)
                    notifications_create_many(items=reminders)
            except Exception as error:
                logger.exception("Reminder of %s %s failed; retrying in an hour", self.model.__name__, row_id)
                self.model._default_manager.filter(self.running, pk=row_id).update(remind_at=now + FAILED_STEP_RETRY)
                report.failed += 1
                report.errors.append(f"{row_id}: {error}")
                continue
            report.reminded += 1
        return report
