"""Foreign keys no longer indexed alone where an index or unique constraint of their table leads with them: that
one serves every lookup by the key, and each row written paid for both
(``core.tests.test_indexes.test_no_index_of_ours_is_the_start_of_another``).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0029_keys_indexed_by_their_composites"),
        ("workflow", "0013_extension_list_orders"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deadlinepolicy",
            name="category",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty: the default for every category without its own policy.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadline_policies",
                to="cases.category",
                verbose_name="category",
            ),
        ),
    ]
