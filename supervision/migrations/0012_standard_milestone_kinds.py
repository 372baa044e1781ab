"""The standard nodes of a key project (挂图作战), in their order; administrators edit the list afterwards."""

from django.db import migrations

STANDARD_KINDS = (
    ("签约", "Contract signed"),
    ("立项", "Project approved"),
    ("土地", "Land secured"),
    ("规划许可", "Planning permit"),
    ("施工许可", "Construction permit"),
    ("开工", "Construction started"),
    ("竣工", "Construction completed"),
    ("投产", "In production"),
)


def add_standard_kinds(apps, schema_editor):
    MilestoneKind = apps.get_model("supervision", "MilestoneKind")
    for position, (name_zh, name_en) in enumerate(STANDARD_KINDS, start=1):
        MilestoneKind.objects.get_or_create(name_zh=name_zh, defaults={"name_en": name_en, "position": position * 10})


class Migration(migrations.Migration):
    dependencies = [("supervision", "0011_key_project_milestones")]

    operations = [migrations.RunPython(add_standard_kinds, migrations.RunPython.noop)]
