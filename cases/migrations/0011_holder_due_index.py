"""The overdue review's index on PostgreSQL: open cases by the due time of whoever holds them now.

The review lists cases past ``cases.models.holder_due()`` (the routing deadline while opened, else the
resolution one), most overdue first, counts them and sums them up by unit and urging level. An index of
that very expression, carrying the columns those read, lets PostgreSQL read the first page in order and
count and sum up from the index alone; SQLite
cannot include columns in an index, and at a district's size needs none.
"""

from django.db import migrations

INDEX = (
    'CREATE INDEX IF NOT EXISTS "case_holder_due" ON "cases_case" '
    '((CASE WHEN "state" = \'opened\' THEN "response_due_at" ELSE "resolution_due_at" END), "id") '
    'INCLUDE ("state", "response_due_at", "resolution_due_at", "responsible_unit_id", "urging_level") '
    "WHERE \"state\" IN ('opened', 'assigned')"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "case_holder_due"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_dispatch_order_index")]

    operations = [migrations.RunPython(create_index, drop_index)]
