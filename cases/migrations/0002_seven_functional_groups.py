"""The seven functional groups of 万人助万企 (see docs/domain.md), the case categories."""

from django.db import migrations

GROUPS = [
    (
        "financing",
        "企业融资和资本运营",
        "Financing and capital",
        "贷款、担保、上市辅导、资金周转等融资问题",
        "Loans, guarantees, listing, working capital",
        "bureau",
    ),
    (
        "approval",
        "项目审批和运行",
        "Project approval and operation",
        "立项、规划、环评、施工许可等审批与项目推进",
        "Project filing, planning, permits and progress",
        "bureau",
    ),
    (
        "legal",
        "法律事务和专家服务",
        "Legal and expert services",
        "合同纠纷、知识产权、技术专家咨询",
        "Contract disputes, intellectual property, expert advice",
        "bureau",
    ),
    (
        "infrastructure",
        "基础设施保障",
        "Infrastructure",
        "供电增容、供水、道路、用地、地上物迁移",
        "Power capacity, water, roads, land, relocation",
        "township",
    ),
    (
        "business_environment",
        "营商环境",
        "Business environment",
        "政策落实、涉企检查、审批效率、公平竞争",
        "Policies delivered, inspections, fair treatment",
        "bureau",
    ),
    (
        "livelihood",
        "民生保障",
        "Livelihood",
        "用工、职工住房、医疗与防疫物资",
        "Workers, staff housing, health supplies",
        "township",
    ),
    (
        "talent",
        "党建人才服务",
        "Party building and talent",
        "人才引进、培训、党建指导",
        "Recruiting talent, training, party building",
        "bureau",
    ),
]


def create_groups(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for position, (code, name_zh, name_en, description_zh, description_en, unit_kind) in enumerate(GROUPS, 1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "description_zh": description_zh,
                "description_en": description_en,
                "default_unit_kind": unit_kind,
                "position": position,
            },
        )


def remove_groups(apps, schema_editor):
    apps.get_model("cases", "Category").objects.filter(code__in=[group[0] for group in GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
