"""The case list's default order for officials, as an index on PostgreSQL: returned first, newest next.

A search or an unfiltered list of a district-wide official reads this index in order and stops at the page,
where it used to sort every matching case (tens of thousands for a two-character word at a million cases).
SQLite cannot index ``NULLS LAST``; there the list sorts, fast enough at a district's size.
"""

from django.db import migrations

NAME = "case_default_order"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "cases_case" '
            '("sent_back_at" DESC NULLS LAST, "filed_at" DESC, "id" DESC)'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_event_actions_of_pauses_and_merges")]

    operations = [migrations.RunPython(create_index, drop_index)]
