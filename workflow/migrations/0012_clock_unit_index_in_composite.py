"""The clock's unit keeps no index of its own: ``cycle_unit_kind_started`` leads with it.

Only the index goes: Django's AlterField would also drop and re-add the foreign key, validating every clock
again under a lock; the constraint stays as it is.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "workflow_deadlinecycle_unit_id_26720efa"


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0004_masterdata_import_moves_by_transitions"),
        ("workflow", "0011_pauses_and_clocks_end_by_merging"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="deadlinecycle",
                    name="unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="enterprises.unit",
                        verbose_name="unit",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "workflow_deadlinecycle" ("unit_id")',
                ),
            ],
        ),
    ]
