"""Foreign keys no longer indexed alone where an index or unique constraint of their table leads with them: that
one serves every lookup by the key, and each row written paid for both
(``core.tests.test_indexes.test_no_index_of_ours_is_the_start_of_another``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0029_keys_indexed_by_their_composites"),
        ("enterprises", "0007_keys_indexed_by_their_composites"),
        ("supervision", "0015_appeal_filed_order_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="agendaitem",
            name="meeting",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="items",
                to="supervision.meeting",
                verbose_name="meeting",
            ),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appeals",
                to="cases.case",
                verbose_name="case",
            ),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appeals",
                to="enterprises.unit",
                verbose_name="unit",
            ),
        ),
        migrations.AlterField(
            model_name="circular",
            name="jurisdiction",
            field=models.ForeignKey(
                db_index=False,
                help_text="The unit whose whole subtree the circular covers.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="enterprises.unit",
                verbose_name="jurisdiction",
            ),
        ),
        migrations.AlterField(
            model_name="commonproblem",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                help_text="The unit responsible for the policy: its heads and cadres answer.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="common_problems",
                to="enterprises.unit",
                verbose_name="responsible unit",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerexport",
            name="requested_by",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ledger_exports",
                to=settings.AUTH_USER_MODEL,
                verbose_name="requested by",
            ),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="jurisdiction",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="joint_meetings",
                to="enterprises.unit",
                verbose_name="jurisdiction",
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="milestones",
                to="enterprises.keyproject",
                verbose_name="key project",
            ),
        ),
        migrations.AlterField(
            model_name="projectinvestment",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="investments",
                to="enterprises.keyproject",
                verbose_name="key project",
            ),
        ),
        migrations.AlterField(
            model_name="projectyearplan",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="year_plans",
                to="enterprises.keyproject",
                verbose_name="key project",
            ),
        ),
        migrations.AlterField(
            model_name="recheckitem",
            name="sample",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="items",
                to="supervision.rechecksample",
                verbose_name="sample",
            ),
        ),
        migrations.AlterField(
            model_name="rechecksample",
            name="jurisdiction",
            field=models.ForeignKey(
                db_index=False,
                help_text="The unit whose subtree the sample covers.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="enterprises.unit",
                verbose_name="jurisdiction",
            ),
        ),
        migrations.AlterField(
            model_name="rectification",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rectifications",
                to="cases.case",
                verbose_name="case",
            ),
        ),
        migrations.AlterField(
            model_name="rectification",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rectifications",
                to="enterprises.unit",
                verbose_name="unit",
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visits",
                to="enterprises.enterprise",
                verbose_name="enterprise",
            ),
        ),
        migrations.AlterField(
            model_name="visit",
            name="visitor",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="visited by",
            ),
        ),
        migrations.AlterField(
            model_name="visitduty",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="visit_duties",
                to="enterprises.enterprise",
                verbose_name="enterprise",
            ),
        ),
        migrations.AlterField(
            model_name="visitduty",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty at the unit's level, which the unit's heads hold together.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="visit_duties",
                to=settings.AUTH_USER_MODEL,
                verbose_name="holder",
            ),
        ),
        migrations.AlterField(
            model_name="visitduty",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="enterprises.unit",
                verbose_name="responsible unit",
            ),
        ),
    ]
