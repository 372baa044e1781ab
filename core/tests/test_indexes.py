"""The migration operations of PostgreSQL-only indexes and statistics: made, dropped, and each taken back, on
PostgreSQL alone."""

import pytest
from django.apps import apps
from django.db import connection

from cases.models import Case
from core.indexes import DropPostgreSQLIndex, PostgreSQLIndex, PostgreSQLStatistics
from web.tests.helpers import bulk_assigned_cases

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

    statistics = PostgreSQLStatistics("case_pair", "cases_case", ["responsible_unit_id", "state"], 1000)

    for operation in (analysed, plain, statistics):
        name, args, kwargs = operation.deconstruct()
        assert type(operation)(*args, **kwargs).deconstruct() == (name, args, kwargs)
    assert (analysed.deconstruct()[2].get("analyze"), "analyze" in plain.deconstruct()[2]) == (True, False)


@pytest.mark.postgres_only
def test_statistics_of_two_columns_tell_the_planner_a_combination_that_never_occurs(district):
    """Units and states counted apart, the planner expects every unit to hold its share of every state; with the
    statistics of the pair (cases 0028's, dropped first and made again), it knows that no opened case has a unit."""
    statistics = PostgreSQLStatistics(
        "case_unit_state_combinations", "cases_case", ["responsible_unit_id", "state"], 1000
    )
    run(statistics, "backwards")
    units = [district.industry, district.industry_office, district.commerce, district.township]
    for start, unit in enumerate(units):
        bulk_assigned_cases(district, 1500, unit=unit, start=start * 1500)
    Case.objects.bulk_create(
        Case(
            number=f"QY-OPEN-{n:06d}",
            enterprise=district.yixin,
            filed_by=district.alice,
            category=district.financing,
            title=f"待分派 {n}",
            description="用于统计测试",
        )
        for n in range(3000)
    )

    def estimated_opened_cases_of_industry() -> int:
        with connection.cursor() as cursor:
            cursor.execute('ANALYZE "cases_case"')
            cursor.execute(
                "EXPLAIN (FORMAT JSON) SELECT id FROM cases_case WHERE responsible_unit_id = %s AND state = 'opened'",
                [district.industry.pk],
            )
            return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]

    apart = estimated_opened_cases_of_industry()
    run(statistics, "forwards")
    together = estimated_opened_cases_of_industry()

    assert Case.objects.filter(state="opened", responsible_unit__isnull=False).count() == 0
    assert apart > 200 and together <= 1


# Pairs of B-tree indexes of one table, neither partial nor on expressions, the first neither unique nor covering
# (INCLUDE), whose columns (with their operator classes) are the leading key columns of the second: the second
# answers every question the first does, and each row written pays for both.
INDEXES_LED_BY_ANOTHER = """
    SELECT shorter.indrelid::regclass::text, shorter.indexrelid::regclass::text, longer.indexrelid::regclass::text
    FROM pg_index shorter
    JOIN pg_index longer ON longer.indrelid = shorter.indrelid AND longer.indexrelid <> shorter.indexrelid
    JOIN pg_class shorter_index ON shorter_index.oid = shorter.indexrelid
    JOIN pg_class longer_index ON longer_index.oid = longer.indexrelid
    JOIN pg_am method ON method.oid = shorter_index.relam AND method.amname = 'btree'
    WHERE longer_index.relam = shorter_index.relam
      AND NOT shorter.indisunique AND shorter.indnatts = shorter.indnkeyatts
      AND shorter.indpred IS NULL AND longer.indpred IS NULL
      AND shorter.indexprs IS NULL AND longer.indexprs IS NULL
      AND shorter.indnkeyatts <= longer.indnkeyatts
      AND (shorter.indkey::int2[])[0:shorter.indnkeyatts - 1] = (longer.indkey::int2[])[0:shorter.indnkeyatts - 1]
      AND (shorter.indclass::oid[])[0:shorter.indnkeyatts - 1] = (longer.indclass::oid[])[0:shorter.indnkeyatts - 1]
      AND shorter.indrelid::regclass::text = ANY(%s)
"""


@pytest.mark.postgres_only
def test_no_index_of_ours_is_the_start_of_another():
    """Django indexes every foreign key alone; where an index or unique constraint of the same table leads with the
    key, the key's own is dead weight (``db_index=False``). Tables of installed packages are theirs to keep."""
    ours = [model._meta.db_table for model in apps.get_models() if "site-packages" not in model._meta.app_config.path]

    with connection.cursor() as cursor:
        cursor.execute(INDEXES_LED_BY_ANOTHER, [ours])
        redundant = cursor.fetchall()

    assert len(ours) > 40
    assert redundant == []
