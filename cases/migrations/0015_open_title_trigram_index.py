"""Similar open cases (共性问题 / 并单 suggestions) through a trigram index of the open cases' titles.

``cases.selectors.similar_open_cases`` asks ``UPPER(title) % UPPER(…)`` among open cases only. The search's
index (0009) covers every case, so at a million cases a common phrase would bring back every closed case that
shares it; this partial index holds the open ones, the few thousand a district has at a time. PostgreSQL only:
on SQLite the suggestions score a bounded list of candidates instead.
"""

from django.db import migrations

from core.indexes import PostgreSQLIndex


class Migration(migrations.Migration):
    dependencies = [("cases", "0014_case_merged_into")]

    operations = [
        PostgreSQLIndex(
            "case_open_title_trgm",
            "cases_case",
            ("USING gin ((UPPER(\"title\"::text)) gin_trgm_ops) WHERE \"state\" IN ('opened', 'assigned', 'resolved')"),
        )
    ]
