"""Foreign keys no longer indexed alone where an index or unique constraint of their table leads with them: that
one serves every lookup by the key, and each row written paid for both
(``core.tests.test_indexes.test_no_index_of_ours_is_the_start_of_another``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0006_enterprise_township_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="enterprisecontact",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="enterprise_contacts",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="keyproject",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="key_projects",
                to="enterprises.enterprise",
                verbose_name="enterprise",
            ),
        ),
        migrations.AlterField(
            model_name="taskforcemember",
            name="project",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="task_force",
                to="enterprises.keyproject",
                verbose_name="key project",
            ),
        ),
        migrations.AlterField(
            model_name="unitmembership",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to="enterprises.unit",
                verbose_name="unit",
            ),
        ),
        migrations.AlterField(
            model_name="unitmembership",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="unit_memberships",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
    ]
