"""The urged cases indexed by the answer's deadline too: a leader's board reads its listed cases in that order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0021_unit_default_order_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_urged",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("urging_level__gt", 0)),
                fields=["urging_level", "urging_answer_due_at", "id"],
                name="case_urged_by_answer_due",
            ),
        ),
    ]
