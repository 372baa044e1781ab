"""The appeals list's order as an index: a page of a unit head's appeals is read in it and stops at its twenty, not
sorted whole (the busiest unit's 411 of 3,351 at a million cases)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("supervision", "0014_meeting_flag_pool_index")]

    operations = [
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(fields=["-filed_at", "-id"], name="appeal_filed_order"),
        ),
    ]
