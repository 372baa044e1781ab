"""Search by case number, title and enterprise name through trigram indexes on PostgreSQL.

The list's search is ``icontains``, which PostgreSQL runs as ``UPPER(column::text) LIKE UPPER('%…%')``:
no B-tree serves a pattern that starts with a wildcard, so at a million cases every search read the whole
table. A GIN index of trigrams of the same expression serves it. SQLite has no trigram index; there the
search stays a scan, fast enough at a district's size.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from core.indexes import PostgreSQLIndex

TRIGRAMS = "USING gin ((UPPER({column}::text)) gin_trgm_ops)"


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_queue_index"),
        ("enterprises", "0003_key_project_natural_key_and_masterdata_imports"),
    ]

    operations = [
        TrigramExtension(),
        PostgreSQLIndex("case_number_trgm", "cases_case", TRIGRAMS.format(column='"number"')),
        PostgreSQLIndex("case_title_trgm", "cases_case", TRIGRAMS.format(column='"title"')),
        PostgreSQLIndex("enterprise_name_trgm", "enterprises_enterprise", TRIGRAMS.format(column='"name"')),
    ]
