"""The overdue review's index on PostgreSQL: open cases by the due time of whoever holds them now.

The review lists cases past ``cases.models.holder_due()`` (the routing deadline while opened, else the
resolution one), most overdue first, counts them and sums them up by unit and urging level. An index of
that very expression, carrying the columns those read, lets PostgreSQL read the first page in order and
count and sum up from the index alone; SQLite
cannot include columns in an index, and at a district's size needs none.
"""

from django.db import migrations

from core.indexes import PostgreSQLIndex


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_dispatch_order_index")]

    operations = [
        PostgreSQLIndex(
            "case_holder_due",
            "cases_case",
            (
                '((CASE WHEN "state" = \'opened\' THEN "response_due_at" ELSE "resolution_due_at" END), "id") '
                'INCLUDE ("state", "response_due_at", "resolution_due_at", "responsible_unit_id", "urging_level") '
                "WHERE \"state\" IN ('opened', 'assigned')"
            ),
        )
    ]
