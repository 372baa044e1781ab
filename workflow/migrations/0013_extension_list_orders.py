"""The extension requests' lists in their orders: the API's newest requested first, the desk's decisions of the
last month newest decided first (a partial index on the approved and rejected ones).

A unit head's list was read by sorting every request of their unit's cases (4,000 of 31,700 at a million cases,
190 ms for the API's page) or every decision of the month (13,000, 45 ms for the desk's) before taking twenty. Read
in order, a page stops after twenty that pass the case's gate, each answered from ``case_official_gate``
(cases migration 0018): under a millisecond; counting them is what is left.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_official_gate_index"),
        ("workflow", "0012_clock_unit_index_in_composite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(fields=["-created_at", "-id"], name="extension_created_order"),
        ),
        migrations.AddIndex(
            model_name="extensionrequest",
            index=models.Index(
                condition=models.Q(("state__in", ["approved", "rejected"])),
                fields=["-decided_at", "-id"],
                name="extension_decided_order",
            ),
        ),
    ]
