"""On PostgreSQL, the ids of a person's cases, of an enterprise's and of a unit's, each read in order from an index
alone.

Rows hanging off a case (rectifications, appeals, extension requests) are gated by it
(``cases.selectors.rows_of_cases_visible_officially_to``). A cadre's are those of their own cases and their served
enterprises': a few thousand cases, found by the first two indexes without reading the table (4,723 cases of 203
enterprises: 2 ms from the indexes, 26 from 4,200 table pages), the rows then found by their case. A unit head's
are counted apart for the units they head (``rows_of_cases_visible_officially_in_parts``): the unit's cases read
from the third in the order of their ids and merged with the rows' (the busiest unit's 112,000 cases: 12 ms where
testing the case of each of 22,000 rectifications took 36). SQLite needs none: its index of a foreign key holds
the row id, the case's id.
"""

from django.db import migrations

INDEXES = {
    "case_assignee_ids": "assignee_id",
    "case_enterprise_ids": "enterprise_id",
    "case_unit_ids": "responsible_unit_id",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, column in INDEXES.items():
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" ("{column}", "id")')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0023_unit_filed_period_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
