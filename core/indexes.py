"""``PostgreSQLIndex``: a migration's index that only PostgreSQL is given.

Some indexes serve a province's PostgreSQL and have no use, or no form, on SQLite: ``INCLUDE`` columns, ``DESC NULLS
LAST``, trigram GIN indexes, or an index of ids that SQLite's index of a foreign key already holds. Declared in a
model's ``Meta``, Django would make them on both (and warn that SQLite drops ``INCLUDE``). Each migration that made
one wrote the same two functions around its ``CREATE INDEX``; this operation is that once.
"""

from django.db.migrations.operations.base import Operation


class PostgreSQLIndex(Operation):
    """``CREATE INDEX IF NOT EXISTS "name" ON "table" <definition>`` on PostgreSQL, dropped when unapplied; nothing
    on other databases. The model's state is untouched: Django does not know the index, as it did not before."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, name: str, table: str, definition: str, *, analyze: bool = False) -> None:
        """``analyze``: an index of an expression has statistics of its own, which the planner lacks until the table is
        analysed next (autovacuum waits for a tenth of its rows to change): analysed at once, not weeks later."""
        self.name, self.table, self.definition, self.analyze = name, table, definition, analyze

    def deconstruct(self) -> tuple[str, list, dict]:
        kwargs = {"name": self.name, "table": self.table, "definition": self.definition}
        return self.__class__.__qualname__, [], {**kwargs, "analyze": True} if self.analyze else kwargs

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" {self.definition}')
            if self.analyze:
                schema_editor.execute(f'ANALYZE "{self.table}"')

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.name}"')

    def describe(self) -> str:
        return f"Create index {self.name} on {self.table}, on PostgreSQL only"

    @property
    def migration_name_fragment(self) -> str:
        return self.name.lower()


class DropPostgreSQLIndex(PostgreSQLIndex):
    """The inverse of ``PostgreSQLIndex``: drops the index on PostgreSQL, and makes it again when unapplied. Given the
    definition it was made with (and ``analyze``), so that a migration replacing an index can be taken back."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Drop index {self.name} on {self.table}, on PostgreSQL only"

    @property
    def migration_name_fragment(self) -> str:
        return f"drop_{self.name.lower()}"


class PostgreSQLStatistics(Operation):
    """``CREATE STATISTICS`` of the combinations of ``columns`` (a most-common-values list of up to ``target`` of
    them), the table analysed at once; dropped when unapplied; nothing on other databases.

    The planner takes columns to be independent: it expects every unit to hold its share of every state, and reads
    a list in order hoping to meet a unit's opened cases soon, when no opened case has a unit yet (a unit head's
    opened cases: 0.3 s, walking a million rows for none). The list of combinations tells it which exist.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, name: str, table: str, columns: list[str], target: int) -> None:
        self.name, self.table, self.columns, self.target = name, table, columns, target

    def deconstruct(self) -> tuple[str, list, dict]:
        kwargs = {"name": self.name, "table": self.table, "columns": self.columns, "target": self.target}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            columns = ", ".join(f'"{column}"' for column in self.columns)
            schema_editor.execute(
                f'CREATE STATISTICS IF NOT EXISTS "{self.name}" (mcv) ON {columns} FROM "{self.table}"'
            )
            schema_editor.execute(f'ALTER STATISTICS "{self.name}" SET STATISTICS {int(self.target)}')
            schema_editor.execute(f'ANALYZE "{self.table}"')

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP STATISTICS IF EXISTS "{self.name}"')

    def describe(self) -> str:
        return f"Create statistics {self.name} on {self.table}, on PostgreSQL only"

    @property
    def migration_name_fragment(self) -> str:
        return self.name.lower()
