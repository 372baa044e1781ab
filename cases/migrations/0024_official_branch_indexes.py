"""A person's, an enterprise's and a unit's cases indexed with their ids, in place of the foreign keys' own indexes.

Rows hanging off a case (rectifications, appeals, extension requests) are gated by it
(``cases.selectors.rows_of_cases_visible_officially_to``). A cadre's are those of their own cases and their served
enterprises': a few thousand cases, whose ids these indexes give without reading the table (4,723 cases of 203
enterprises at a million cases: 2 ms, where the foreign key's index sent PostgreSQL to 4,200 pages of the table). A
unit head's are counted apart for the units they head, the unit's case ids read in order and merged with the rows'.
Each index replaces its foreign key's, which it serves as well (its first column): as many indexes to write as before.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0023_unit_filed_period_index"),
        ("enterprises", "0006_enterprise_township_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["assignee", "id"], name="case_assignee_ids"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["enterprise", "id"], name="case_enterprise_ids"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["responsible_unit", "id"], name="case_unit_ids"),
        ),
        migrations.AlterField(
            model_name="case",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assigned_cases",
                to=settings.AUTH_USER_MODEL,
                verbose_name="assignee",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="enterprises.enterprise",
                verbose_name="enterprise",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="responsible_unit",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="enterprises.unit",
                verbose_name="responsible unit",
            ),
        ),
    ]
