"""Foreign keys no longer indexed alone where an index or unique constraint of their table leads with them: that
one serves every lookup by the key, and each row written paid for both
(``core.tests.test_indexes.test_no_index_of_ours_is_the_start_of_another``).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0028_unit_state_statistics"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attachments",
                to="cases.case",
                verbose_name="case",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="category",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="cases.category",
                verbose_name="category",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="cases.case",
                verbose_name="case",
            ),
        ),
        migrations.AlterField(
            model_name="comment",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comments",
                to="cases.case",
                verbose_name="case",
            ),
        ),
    ]
