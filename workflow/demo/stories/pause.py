"""Pausing a clock (挂起), seen from the cadre's, the enterprise's and the supervisor's desks: cases waiting for the
enterprise's material now, cases whose clock the enterprise's answer started again, and pauses beyond the limits
waiting for the supervisor (docs/pause.md).

Each story files one case and leaves it in the state its name says. The demo enterprise (``enterprise``, whose
cases go to ``cadre``) has its share, so the first look of each of those accounts shows a pause.
"""

from cases.models import Case
from workflow.selectors import work_calendar
from workflow.services import case_pause

from ..casework import Casework
from ..texts import PROBLEMS

# What the enterprise must supply, and why the clock stops (officials only): pairs, as a cadre writes them.
MATERIAL_REQUESTS = (
    ("请补充提供消防设计审查意见书及竣工图纸。", "缺少审查意见书，无法报住建局联审。"),
    ("请补充近三个月的用电负荷明细表（加盖公章）。", "供电公司核定增容方案需要负荷数据。"),
    ("请提供土地使用权证复印件及宗地图。", "自然资源局核查用地性质需企业权属材料。"),
    ("请补充2025年度审计报告及纳税证明。", "贴息申报须附财务材料，企业尚未提交。"),
    ("请提供拟招聘岗位清单及人员学历证明。", "人才补贴按岗位核定，材料不全无法报批。"),
)
ENTERPRISE_SUPPLIES = (
    "材料已补充上传，请查收。",
    "已按要求补齐，原件可随时送审。",
    "相关证明已办好，附件已上传。",
)
# A running pause ends within this many working days from now, so the demo's sweep does not resume it at once;
# a pause beyond the limits asks for more than HUIYIN_PAUSE_MAX_WORKDAYS (10 by default).
RUNNING_WORKDAYS = (2, 4)
BEYOND_LIMITS_WORKDAYS = (12, 15)


def paused(work: Casework) -> None:
    """Half wait for the enterprise now, a third were answered and run again, the rest wait for the supervisor."""
    enterprise = work.demo_enterprise("enterprise") if work.chance(0.4) else work.pick_enterprise()
    problem = work.rng.choice(PROBLEMS)
    case = work.work_on(work.routed(work.file(enterprise, problem)))
    roll = work.rng.random()
    if roll < 0.5:
        pause_until(work, case, RUNNING_WORKDAYS)
    elif roll < 0.8:
        case = pause_until(work, case, RUNNING_WORKDAYS, from_now=False)
        work.say(case, work.contact(case.enterprise_id), ENTERPRISE_SUPPLIES)
    else:
        pause_until(work, case, BEYOND_LIMITS_WORKDAYS)


def pause_until(work: Casework, case: Case, workdays: tuple[int, int], *, from_now: bool = True) -> Case:
    """The assignee pauses the clock until a working day ``workdays`` ahead: of now (a pause still running when the
    demo starts), or of the story's moment (a pause the enterprise answers within the story)."""
    calendar = work_calendar()
    start = work.latest if from_now else work.moment
    expected = calendar.local_date(calendar.add_workdays(start, work.rng.randint(*workdays)).due_at)
    needed, reason = work.rng.choice(MATERIAL_REQUESTS)
    work.act(
        case_pause, case=case, acting_user=work.assignee(case), needed=needed, reason=reason, expected_date=expected
    )
    return Case.objects.get(pk=case.pk)
