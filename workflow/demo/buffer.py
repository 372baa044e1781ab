"""What the demo's row writer holds before it writes, and how it writes: the clocks of a case kept in memory, and
rows inserted as they are, a few thousand at a time, with the ids chosen before."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.management.color import no_style
from django.db import connection, models

from cases.models import Case
from workflow.deadlines import CaseClocks
from workflow.models import DeadlineCycle, DeadlinePolicy
from workflow.workdays import WorkCalendar

if TYPE_CHECKING:
    from .rows import RowWriter


def sequences_reset(written: Iterable[type[models.Model]]) -> None:
    """Let the database's own ids continue after the ids the writer chose (PostgreSQL's sequences; SQLite's
    AUTOINCREMENT follows by itself)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(written)):
            cursor.execute(statement)


# Fields whose Python value the database driver cannot take as it is; the others (text, numbers, booleans and
# the ids of foreign keys) pass unchanged through ``get_db_prep_save`` anyway, which is most of an insert's time.
PREPARED_FIELDS = (models.DateTimeField, models.DateField, models.TimeField, models.JSONField, models.DecimalField)


def rows_insert(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert objects exactly as they are: unlike ``bulk_create``, no ``auto_now`` moves ``updated_at`` to
    the real time of the insert."""
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    prepared = [
        (field.attname, field.get_db_prep_save if isinstance(field, PREPARED_FIELDS) else None) for field in fields
    ]
    values = [
        [
            getattr(row, name) if prepare is None else prepare(getattr(row, name), connection)
            for name, prepare in prepared
        ]
        for row in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)


class BufferedClocks(CaseClocks):
    """A case's clocks whose rows the writer keeps: the running ones live in the case's history as it is written."""

    def __init__(
        self,
        case: Case,
        *,
        calendar: WorkCalendar,
        at: datetime,
        running: dict[str, DeadlineCycle],
        policy: DeadlinePolicy,
        writer: "RowWriter",
    ) -> None:
        self.case = case
        self.calendar = calendar
        self.at = at
        self.running = running
        self.policy = policy
        self.writer = writer

    def save_cycle(self, cycle: DeadlineCycle, *, fields: list[str] | None = None) -> None:
        # A changed clock is the object already waiting in the buffer: nothing to write yet.
        if fields is None:
            self.writer.add(cycle)

    def save_deadlines(self, values: dict[str, object]) -> None:
        """``mirror`` already set them on the case object, which is inserted as it finally stands."""
