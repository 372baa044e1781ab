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

    def __init__(self, name: str, table: str, definition: str) -> None:
        self.name, self.table, self.definition = name, table, definition

    def deconstruct(self) -> tuple[str, list, dict]:
        return self.__class__.__qualname__, [], {"name": self.name, "table": self.table, "definition": self.definition}

    def state_forwards(self, app_label, state) -> None:
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" {self.definition}')

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{self.name}"')

    def describe(self) -> str:
        return f"Create index {self.name} on {self.table}, on PostgreSQL only"

    @property
    def migration_name_fragment(self) -> str:
        return self.name.lower()
