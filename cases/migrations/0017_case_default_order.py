"""The case list's default order for officials, as an index on PostgreSQL: returned first, newest next.

A search or an unfiltered list of a district-wide official reads this index in order and stops at the page,
where it used to sort every matching case (tens of thousands for a two-character word at a million cases).
SQLite cannot index ``NULLS LAST``; there the list sorts, fast enough at a district's size.
"""

from django.db import migrations

from core.indexes import PostgreSQLIndex


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_event_actions_of_pauses_and_merges")]

    operations = [
        PostgreSQLIndex(
            "case_default_order", "cases_case", '("sent_back_at" DESC NULLS LAST, "filed_at" DESC, "id" DESC)'
        )
    ]
