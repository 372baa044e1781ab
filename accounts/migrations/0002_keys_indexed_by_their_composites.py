"""Foreign keys no longer indexed alone where an index or unique constraint of their table leads with them: that
one serves every lookup by the key, and each row written paid for both
(``core.tests.test_indexes.test_no_index_of_ours_is_the_start_of_another``).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_invitations_sessions_reset_requests"),
        ("enterprises", "0007_keys_indexed_by_their_composites"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="invitation",
            name="enterprise",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="enterprises.enterprise",
                verbose_name="enterprise",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="invited_by",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="invited by",
            ),
        ),
    ]
