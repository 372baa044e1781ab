"""Default deadline policies for every category, after Henan's "13710" practice."""

from django.db import migrations

DEFAULTS = {"ordinary": 7, "complex": 20}


def create_defaults(apps, schema_editor):
    DeadlinePolicy = apps.get_model("workflow", "DeadlinePolicy")
    for complexity, resolution_workdays in DEFAULTS.items():
        DeadlinePolicy.objects.get_or_create(
            category=None,
            complexity=complexity,
            defaults={
                "response_workdays": 1,
                "first_reply_workdays": 3,
                "resolution_workdays": resolution_workdays,
                "reopen_workdays": 5,
                "confirmation_workdays": 5,
                "max_extensions": 2,
            },
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("workflow", "DeadlinePolicy").objects.filter(category=None).delete()


class Migration(migrations.Migration):
    dependencies = [("workflow", "0002_deadline_policies_cycles_extensions")]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
