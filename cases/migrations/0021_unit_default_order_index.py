"""The case list's default order for officials within one unit, as an index on PostgreSQL: returned first, newest next.

A unit head's list reads the cases of each unit they head apart (``cases.selectors.cases_visible_in_parts``); this
index gives one unit's in the list's order, so the page stops at its twenty rows. Read in the whole table's order
instead (``case_default_order``), the busiest unit's page skipped the 10,000 returned cases of no unit first. The
state last: a filter by one state is answered in the index, not the table. SQLite cannot index ``NULLS LAST``; its
districts are small.
"""

from django.db import migrations

from core.indexes import PostgreSQLIndex


class Migration(migrations.Migration):
    dependencies = [("cases", "0020_unit_queue_index")]

    operations = [
        PostgreSQLIndex(
            "case_unit_default_order",
            "cases_case",
            '("responsible_unit_id", "sent_back_at" DESC NULLS LAST, "filed_at" DESC, "id" DESC, "state")',
        )
    ]
