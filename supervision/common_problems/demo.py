"""The common problem of the demo (共性问题): what a dispatcher, the unit's head and a leader see on first look.

Several enterprises of the demo district wait on the same kind of problem; three working days ago the
dispatcher raised their cases, being worked on in different units, into one common problem of the Industry
Bureau, whose head (``unithead``) answers it. Picked by fixed rules from the seeded district, written through
the services at a moment in the past, so it has the events, the audit rows and the notifications a real one has.
"""

from collections import defaultdict
from datetime import datetime, time

from django.contrib.auth.models import User

from cases.models import Case, CaseState
from enterprises.models import Unit
from workflow import clock
from workflow.workdays import WorkCalendar

from .services import common_problem_raise

TITLE = "园区企业反映的共性问题：%s"
DESCRIPTION = (
    "调度室梳理近期诉求发现，多家企业反映同一类问题，属于政策性、普遍性问题，单个承办单位难以逐件解决。"
    "现作为共性问题交政策主管单位统一研究答复，答复后各企业分别确认评价。"
)
# Enterprises whose cases the demo's common problem takes up: enough to read as widespread.
ENTERPRISES = 3


def linkable_cases() -> list[Case]:
    """The cases being worked on, of the category with most enterprises waiting, one per enterprise, oldest first."""
    by_category: dict[int, dict[int, Case]] = defaultdict(dict)
    cases = (
        Case.objects.filter(state=CaseState.ASSIGNED, parent__isnull=True, common_problem_link__isnull=True)
        .select_related("category", "enterprise")
        .order_by("filed_at", "pk")
    )
    for case in cases:
        by_category[case.category_id].setdefault(case.enterprise_id, case)
    if not by_category:
        return []
    widest = max(by_category.values(), key=lambda found: (len(found), -min(case.pk for case in found.values())))
    return list(widest.values())[:ENTERPRISES]


def common_problem_seed(*, dispatcher: User, unit: Unit, calendar: WorkCalendar, latest: datetime) -> None:
    """Raise the demo's common problem three working days before ``latest``; nothing when too few cases wait."""
    cases = linkable_cases()
    if len(cases) < 2:
        return
    day = calendar.local_date(latest)
    for _ in range(3):
        day = calendar.previous_workday(day)
    moment = min(datetime.combine(day, time(10), tzinfo=calendar.tz), latest)
    earliest_assignment: datetime = max(case.assigned_at for case in cases)  # type: ignore[type-var, assignment]  # linkable: assigned
    with clock.frozen_at(max(moment, earliest_assignment)):
        common_problem_raise(
            acting_user=dispatcher,
            title=TITLE % cases[0].category.name_zh,
            description=DESCRIPTION,
            category=cases[0].category,
            unit=unit,
            cases=cases,
        )
