"""The key projects of the demo district on the wall (挂图作战), written by ``seed_demo_supervision``.

Around the day it runs, the full-strength project has nodes of every colour (reached on time, reached late, late,
due soon, planned), a year's planned investment with the months reported so far, and a problem filed against it;
the other project has only just signed. Everything goes through the services, as its task force would write it.
"""

from datetime import date, timedelta
from decimal import Decimal

from cases.models import Category
from enterprises.models import EnterpriseContact, KeyProject
from workflow import clock
from workflow.selectors import work_calendar
from workflow.services import case_file

from . import services
from .models import MilestoneKind

# Node (its Chinese name): planned and reached, in days from today; None: not reached.
FULL_STRENGTH_NODES = (
    ("签约", -150, -152),
    ("立项", -110, -96),
    ("土地", -70, -70),
    ("规划许可", -20, None),
    ("施工许可", 3, None),
    ("开工", 35, None),
    ("竣工", 300, None),
    ("投产", 360, None),
)
JUST_SIGNED_NODES = (("签约", -10, -12), ("立项", 50, None), ("土地", 120, None))
PLANNED_INVESTMENT = Decimal("18000")
MONTHLY_INVESTMENT = (Decimal("950"), Decimal("1200"), Decimal("1480"), Decimal("860"), Decimal("1630"))
BLOCKING_PROBLEM = (
    "infrastructure",
    "施工用电线路增容未落实，影响施工许可节点",
    "产业园一期施工需新增10千伏专线，供电公司尚未排期，施工许可节点临近，请协调电力部门尽快接入。",
)


def projects_demo_seed() -> None:
    """Plan and report the demo's key projects as of today; they must exist (``seed_demo`` makes them)."""
    today = work_calendar().local_date(clock.now())
    kinds = {kind.name_zh: kind for kind in MilestoneKind.objects.all()}
    projects = list(KeyProject.objects.select_related("leader", "enterprise").order_by("id"))
    for project, nodes in zip(projects, (FULL_STRENGTH_NODES, JUST_SIGNED_NODES), strict=False):
        for name, planned_in, reached_in in nodes:
            milestone = services.milestone_plan(
                project=project,
                kind=kinds[name],
                planned_on=today + timedelta(days=planned_in),
                acting_user=project.leader,
            )
            if reached_in is not None:
                services.milestone_record(
                    milestone=milestone, done_on=today + timedelta(days=reached_in), acting_user=project.leader
                )
    if not projects:
        return
    project = projects[0]
    services.year_plan_set(
        project=project, year=today.year, planned_investment=PLANNED_INVESTMENT, acting_user=project.leader
    )
    for months_ago, amount in enumerate(MONTHLY_INVESTMENT, start=1):
        month = _months_before(today, months_ago)
        if month.year == today.year:
            services.investment_record(project=project, month=month, amount=amount, acting_user=project.leader)
    contact = EnterpriseContact.objects.filter(enterprise=project.enterprise).select_related("user").first()
    if contact is not None:
        code, title, description = BLOCKING_PROBLEM
        case_file(
            acting_user=contact.user,
            enterprise=project.enterprise,
            category=Category.objects.get(code=code),
            title=title,
            description=description,
            project=project,
        )


def _months_before(day: date, count: int) -> date:
    month_index = day.year * 12 + day.month - 1 - count
    return date(month_index // 12, month_index % 12 + 1, 1)
