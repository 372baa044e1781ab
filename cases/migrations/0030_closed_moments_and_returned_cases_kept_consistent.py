"""What a case's moments say, kept by the database: closed moments only on closed cases and never before filing, a
resolution never before filing, and a returned case's moment only while it waits for routing. A case withdrawn or
merged while returned kept that moment and led every official's list, closed, until now.

With them, a list of the cases closed in a period leaves out the returned-first order and reads only the cases filed
before the period's end (``workflow.filters``).
"""

from django.db import migrations, models

from core.indexes import PostgreSQLIndex


def forget_returns_of_cases_no_longer_waiting(apps, schema_editor):
    """Cases closed while returned (withdrawn, merged) before the transitions cleared the moment."""
    Case = apps.get_model("cases", "Case")
    Case.objects.exclude(state="opened").filter(sent_back_at__isnull=False).update(sent_back_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0029_keys_indexed_by_their_composites"),
    ]

    operations = [
        migrations.RunPython(forget_returns_of_cases_no_longer_waiting, migrations.RunPython.noop, elidable=True),
        # On PostgreSQL, a period's closed cases counted from an index alone, filing moments included for the bound a
        # list of those closed before a moment carries: the district's January was counted from the whole table.
        PostgreSQLIndex(
            "case_closed_at", "cases_case", '("closed_at") INCLUDE ("filed_at") WHERE "closed_at" IS NOT NULL'
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(state="closed"),
                name="case_closed_at_only_when_closed",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True) | models.Q(resolved_at__gte=models.F("filed_at")),
                name="case_resolved_after_filing",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(closed_at__gte=models.F("filed_at")),
                name="case_closed_after_filing",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.CheckConstraint(
                condition=models.Q(sent_back_at__isnull=True) | models.Q(state="opened"),
                name="case_sent_back_only_while_opened",
            ),
        ),
    ]
