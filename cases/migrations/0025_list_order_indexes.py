"""The case list's orders that no index gave: by the last change, either way, and on PostgreSQL open cases by a
deadline, latest first.

At a million cases a district supervisor's list sorted by its last change (``ordering=-updated_at``) sorted every
case for a page of twenty-five (0.8 s), and their assigned cases by the latest resolution deadline sorted 300,000
(0.34 s). The list puts cases without a deadline last either way (``workflow.filters.case_order``), where an
ascending index read backwards puts them first: a descending order by a deadline has an index of its own, of the
open cases only, as the ascending ones have. SQLite has no ``NULLS LAST`` in an index; its districts are small.
"""

from django.db import migrations, models

from core.indexes import PostgreSQLIndex

OPEN = """WHERE "state" IN ('opened', 'assigned')"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0024_official_branch_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["updated_at", "id"], name="case_changed_order"),
        ),
        PostgreSQLIndex(
            "case_open_response_due_last", "cases_case", f'("response_due_at" DESC NULLS LAST, "id" DESC) {OPEN}'
        ),
        PostgreSQLIndex(
            "case_open_resolution_due_last", "cases_case", f'("resolution_due_at" DESC NULLS LAST, "id" DESC) {OPEN}'
        ),
    ]
