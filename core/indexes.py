"""Migration operations of what only PostgreSQL is given: ``PostgreSQLIndex`` (and its inverse) and
``PostgreSQLStatistics``.

Some indexes serve a province's PostgreSQL and have no use, or no form, on SQLite: ``INCLUDE`` columns, ``DESC NULLS
LAST``, trigram GIN indexes, or an index of ids that SQLite's index of a foreign key already holds. Declared in a
model's ``Meta``, Django would make them on both (and warn that SQLite drops ``INCLUDE``). Each migration that made
one wrote the same two functions around its ``CREATE INDEX``; these operations are that once. Statistics of columns
together have no form on SQLite at all.
"""

from django.db.migrations.operations.base import Operation


class PostgreSQLOnly(Operation):
    """Statements run on PostgreSQL forwards (``forwards_sql``) and backwards (``backwards_sql``); nothing on other
    databases. The model's state is untouched: Django does not know the object, as it did not before."""

    reduces_to_sql = True
    reversible = True
    name: str

    def forwards_sql(self) -> list[str]:
        raise NotImplementedError

    def backwards_sql(self) -> list[str]:
        raise NotImplementedError

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.forwards_sql():
                schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in self.backwards_sql():
                schema_editor.execute(sql)

    @property
    def migration_name_fragment(self) -> str:
        return self.name.lower()


class PostgreSQLIndex(PostgreSQLOnly):
    """``CREATE INDEX IF NOT EXISTS "name" ON "table" <definition>`` on PostgreSQL, dropped when unapplied."""

    def __init__(self, name: str, table: str, definition: str, *, analyze: bool = False) -> None:
        """``analyze``: an index of an expression has statistics of its own, which the planner lacks until the table is
        analysed next (autovacuum waits for a tenth of its rows to change): analysed at once, not weeks later."""
        self.name, self.table, self.definition, self.analyze = name, table, definition, analyze

    def deconstruct(self) -> tuple[str, list, dict]:
        kwargs = {"name": self.name, "table": self.table, "definition": self.definition}
        return self.__class__.__qualname__, [], {**kwargs, "analyze": True} if self.analyze else kwargs

    def forwards_sql(self) -> list[str]:
        create = f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" {self.definition}'
        return [create, f'ANALYZE "{self.table}"'] if self.analyze else [create]

    def backwards_sql(self) -> list[str]:
        return [f'DROP INDEX IF EXISTS "{self.name}"']

    def describe(self) -> str:
        return f"Create index {self.name} on {self.table}, on PostgreSQL only"


class DropPostgreSQLIndex(PostgreSQLIndex):
    """The inverse of ``PostgreSQLIndex``: drops the index on PostgreSQL, and makes it again when unapplied. Given the
    definition it was made with (and ``analyze``), so that a migration replacing an index can be taken back."""

    def forwards_sql(self) -> list[str]:
        return super().backwards_sql()

    def backwards_sql(self) -> list[str]:
        return super().forwards_sql()

    def describe(self) -> str:
        return f"Drop index {self.name} on {self.table}, on PostgreSQL only"

    @property
    def migration_name_fragment(self) -> str:
        return f"drop_{self.name.lower()}"


class PostgreSQLStatistics(PostgreSQLOnly):
    """``CREATE STATISTICS`` of the combinations of ``columns`` (a most-common-values list of up to ``target`` of
    them), the table analysed at once; dropped when unapplied.

    The planner takes columns to be independent: it expects every unit to hold its share of every state, and reads
    a list in order hoping to meet a unit's opened cases soon, when no opened case has a unit yet (a unit head's
    opened cases: 0.3 s, walking a million rows for none). The list of combinations tells it which exist.
    """

    def __init__(self, name: str, table: str, columns: list[str], target: int) -> None:
        self.name, self.table, self.columns, self.target = name, table, columns, target

    def deconstruct(self) -> tuple[str, list, dict]:
        kwargs = {"name": self.name, "table": self.table, "columns": self.columns, "target": self.target}
        return self.__class__.__qualname__, [], kwargs

    def forwards_sql(self) -> list[str]:
        columns = ", ".join(f'"{column}"' for column in self.columns)
        return [
            f'CREATE STATISTICS IF NOT EXISTS "{self.name}" (mcv) ON {columns} FROM "{self.table}"',
            f'ALTER STATISTICS "{self.name}" SET STATISTICS {int(self.target)}',
            f'ANALYZE "{self.table}"',
        ]

    def backwards_sql(self) -> list[str]:
        return [f'DROP STATISTICS IF EXISTS "{self.name}"']

    def describe(self) -> str:
        return f"Create statistics {self.name} on {self.table}, on PostgreSQL only"
