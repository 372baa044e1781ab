"""Two indexes fewer on the table a sweep writes most into: the recipient's alone (the inbox's index leads with the
recipient) and the key's LIKE index PostgreSQL kept beside its unique one (no query asks for a key's prefix); and
a delivery's notification alone (its channel's unique constraint leads with it).

The key's new unique constraint is made before the old one goes, so that the key is never without one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_unread_count_index_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(fields=("key",), name="notification_key_unique"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="key",
            field=models.CharField(max_length=200, verbose_name="unique key"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recipient",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="notification",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="notifications.notification",
                verbose_name="notification",
            ),
        ),
    ]
