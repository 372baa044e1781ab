"""The dispatcher's list in its own order, on PostgreSQL: returned cases first, then by routing deadline.

``sent_back_at DESC NULLS LAST`` is an order SQLite cannot index (nor needs to, at a district's size), so
the index is made here for PostgreSQL only; with it the dispatch page reads its page of opened cases in
order instead of sorting every opened case.
"""

from django.db import migrations

from core.indexes import PostgreSQLIndex


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_search_trigram_indexes")]

    operations = [
        PostgreSQLIndex(
            "case_dispatch_order",
            "cases_case",
            '("sent_back_at" DESC NULLS LAST, "response_due_at", "filed_at", "id") WHERE "state" = \'opened\'',
        )
    ]
