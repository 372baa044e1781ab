"""The migration operations of PostgreSQL-only indexes: made, dropped, and each taken back, on PostgreSQL alone."""

import pytest
from django.db import connection

from core.indexes import DropPostgreSQLIndex, PostgreSQLIndex

pytestmark = pytest.mark.django_db

DEFINITION = '("updated_at") WHERE "state" = \'closed\''


def index_definition(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def run(operation, direction: str) -> None:
    with connection.schema_editor() as editor:
        getattr(operation, f"database_{direction}")("cases", editor, None, None)


@pytest.mark.postgres_only
def test_a_dropped_index_is_made_again_as_it_was_when_its_migration_is_taken_back():
    run(PostgreSQLIndex("case_closed_changed", "cases_case", DEFINITION), "forwards")
    made = index_definition("case_closed_changed")
    dropped = DropPostgreSQLIndex("case_closed_changed", "cases_case", DEFINITION, analyze=True)

    run(dropped, "forwards")
    gone = index_definition("case_closed_changed")
    run(dropped, "backwards")

    assert made is not None and "WHERE ((state)::text = 'closed'::text)" in made
    assert gone is None
    assert index_definition("case_closed_changed") == made


def test_an_operation_written_into_a_migration_reads_back_the_same():
    analysed = PostgreSQLIndex("case_closed_changed", "cases_case", DEFINITION, analyze=True)
    plain = DropPostgreSQLIndex("case_closed_changed", "cases_case", DEFINITION)

    for operation in (analysed, plain):
        name, args, kwargs = operation.deconstruct()
        assert type(operation)(*args, **kwargs).deconstruct() == (name, args, kwargs)
    assert (analysed.deconstruct()[2].get("analyze"), "analyze" in plain.deconstruct()[2]) == (True, False)
