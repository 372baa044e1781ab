"""The supervision office's year in the demo district: what supervisors and units did, month by month, with
the cases of the year ``seed_demo`` wrote, through the supervision services at their moments.

- The joint review meeting (联审会办) of each whole month but the last two takes the complex cases ``seed_demo``
  left signed for and noted for it: their assignees flag them, the meeting decides each into two sub-cases, the
  units answer those, the case is answered and confirmed, and the office crosses the sub-cases off.
- The rectifications (整改) of the year's bad ratings are reported and accepted, a few returned once; a few
  ratings are appealed (申诉) and upheld or rejected. What is still within its days stays as it is, and so do
  the demo cadre's bad ratings of the last two months, which the walk-through uses.
- A circular (督办通报) for every whole month up to the last is published on the third working day after it.
- The re-check (复查) of every whole month up to the one before last is drawn on the fifth working day after it;
  each case is called or visited, and the few that fail are reopened, answered again and confirmed.

They run in that order: a circular is computed from the database as the seed finds it, so the rectifications
are settled first and the re-checks, which reopen cases of a month already published, come after. The few
choices come from one seeded generator, so two runs on the same demo give the same records.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Min, Q

from cases.models import Case, CaseEvent, CaseState, ResolutionType
from enterprises.models import EnterpriseContact, Role, Unit, UnitMembership
from supervision.circulars.services import circular_create, circular_publish, circular_update
from supervision.circulars.snapshot import named_units
from supervision.meetings.models import FlagKind, ItemOutcome
from supervision.meetings.services import flag_create, meeting_close, meeting_create, meeting_item_decide
from supervision.rates.periods import Period, period_of_month, period_parse
from supervision.ratings.models import AppealKind, Rectification, RectificationState
from supervision.ratings.services import (
    appeal_decide,
    appeal_file,
    rectification_accept,
    rectification_return,
    rectification_submit,
)
from supervision.rechecks.models import RecheckMethod, RecheckResult
from supervision.rechecks.services import recheck_record, recheck_sample_draw
from workflow.demo.district import (
    APPROVAL_BUREAU,
    ENVIRONMENT_BUREAU,
    HOUSING_BUREAU,
    LAND_BUREAU,
    TRANSPORT_BUREAU,
)
from workflow.services import case_accept, case_close, case_resolve

from .office import DemoOffice

SEED = 2027
# The walk-through's own bad ratings: the demo cadre's of the last two months.
WALKTHROUGH_RATINGS_DAYS = 62

MEETING_LOCATION = "区政府三楼第一会议室"
FLAG_REASONS = (
    (FlagKind.SEVERAL_DEPARTMENTS, "涉及规划、建设和属地多个部门，单个部门无法办结，需联审会办明确分工。"),
    (FlagKind.LEADER_DECISION, "企业请求的事项超出本单位政策权限，需分管区领导研究决定。"),
)
# The units a meeting gives a complex case's parts to: two of them, never the case's own unit.
SUB_CASE_UNITS = (LAND_BUREAU, HOUSING_BUREAU, ENVIRONMENT_BUREAU, APPROVAL_BUREAU, TRANSPORT_BUREAU)
SUB_CASE_TEXT = {
    LAND_BUREAU: ("规划用地手续协调", "按联审会办会议定，牵头办理规划和用地手续，办理结果书面报告督查考核办公室。"),
    HOUSING_BUREAU: ("施工许可并联审查", "按联审会办会议定，完成施工许可并联审查，并指导企业办理开工手续。"),
    ENVIRONMENT_BUREAU: ("环评审批提速", "按联审会办会议定，开辟绿色通道组织环评技术评审，限期出具审批意见。"),
    APPROVAL_BUREAU: ("审批事项并联办理", "按联审会办会议定，牵头组织相关审批事项并联办理，一次性告知所需材料。"),
    TRANSPORT_BUREAU: ("配套道路协调", "按联审会办会议定，协调项目配套道路和物流通道建设。"),
}
SUB_CASE_REPLY = "已按会议议定办结分派事项，办理结果已书面报告并告知企业。"
DECISION = "会议议定：{units}分别牵头办理相关事项，办结后由原承办单位统一答复企业。"
MEETING_NOTES = "会议研究企业诉求{count}件，均形成决定并分派子任务。"
PARENT_REPLY = "经联审会办会研究，相关部门已按会议议定办结各项事项，企业反映的问题已解决。"
CONFIRMATION = "多部门一起协调，问题终于解决了，感谢！"
SUB_CASES_CLOSED = "经联审会办会研究，已形成处理意见并书面答复企业，予以销号。"

REPORTS = (
    "已再次到企业现场对接，补充落实了企业提出的后续事项，并建立每周回访机制。",
    "已约谈承办人员，重新梳理办理流程，并当面向企业负责人说明办理情况。",
    "已组织相关科室复盘，完善首问负责和限时办结制度，企业对整改情况表示认可。",
)
RETURNED = "整改报告未说明企业后续诉求的落实情况，请补充后再报。"
ACCEPTED = "整改材料齐全，企业回访满意，予以验收。"
APPEAL_REASONS = {
    AppealKind.MISTAKEN: "企业反映的问题已按期解决，评价系误选，企业负责人已书面确认。",
    AppealKind.MALICIOUS: "企业因政策限制未获支持而给出差评，非承办单位办理原因。",
}
UPHELD = "经电话回访企业负责人，确认系误评，申诉成立。"
REJECTED = "经回访核实，企业反映的情况属实，评价有效，申诉不予支持。"
APPEALED, UPHELD_SHARE, RETURNED_SHARE, LATE_REPORTS = 0.12, 0.4, 0.1, 0.2

CIRCULAR_COMMENT = "请该单位主要负责同志亲自过问，五个工作日内书面报告逾期件办理情况。"

RECHECK_FAILED = 0.06
RECHECK_NOTES = {
    RecheckResult.PASSED: ("企业负责人确认问题已解决。", "经回访，企业对办理结果满意。", "实地查看，问题已整改到位。"),
    RecheckResult.FAILED: ("实地走访发现问题仍未解决，企业仍在等待。", "企业反映答复后实际未落实，需重新办理。"),
}
ANSWER_AFTER_RECHECK = "经复查后再次协调，已彻底解决企业反映的问题。"


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


class SupervisionYear(DemoOffice):
    """Writes the months of the year in the order the docstring gives."""

    def __init__(self) -> None:
        super().__init__()
        self.rng = random.Random(SEED)
        self.this_month = period_of_month(self.latest)
        first_filed = Case.objects.aggregate(first=Min("filed_at"))["first"] or self.latest
        self.first_month = next_month(self.calendar.local_date(first_filed).replace(day=1))
        self.supervisors = [self.users["supervisor"], self.users["supervisor"], self.users["supervisor2"]]
        self.heads = {
            membership.unit_id: membership.user
            for membership in UnitMembership.objects.filter(role=Role.UNIT_HEAD).select_related("user").order_by("-pk")
        }
        self.unit_by_name = {unit.name: unit for unit in Unit.objects.all()}

    def build(self) -> None:
        self.joint_reviews()
        self.rectifications()
        self.circulars()
        self.rechecks()

    def months(self, *, before: date) -> list[Period]:
        """The whole months of the year before the month starting on ``before``."""
        months, first = [], self.first_month
        while first < before:
            months.append(period_parse(f"{first:%Y-%m}"))
            first = next_month(first)
        return months

    def contact(self, case: Case):
        return EnterpriseContact.objects.select_related("user").filter(enterprise_id=case.enterprise_id).first().user

    # --- the joint review meetings ----------------------------------------------------------------------------

    def joint_reviews(self) -> None:
        """The complex cases ``seed_demo`` left waiting since an earlier month, one meeting a month."""
        last_month = previous_month_start(self.this_month)
        waiting = (
            Case.objects.filter(state=CaseState.ASSIGNED, parent__isnull=True, filed_at__lt=last_month.start)
            .select_related("enterprise", "assignee", "responsible_unit")
            .order_by("filed_at", "pk")
        )
        by_month: dict[date, list[Case]] = defaultdict(list)
        for case in waiting:
            by_month[self.calendar.local_date(case.filed_at).replace(day=1)].append(case)
        for position, cases in enumerate(by_month.values()):
            self.joint_review(cases, chair=self.users["leader" if position % 2 == 0 else "leader2"])

    def joint_review(self, cases: list[Case], *, chair) -> None:
        supervisor = self.users["supervisor"]
        last_steps = dict(
            CaseEvent.objects.filter(case__in=cases).values_list("case_id").annotate(last=Max("created_at"))
        )
        flagged = []
        for position, case in enumerate(cases):
            kind, reason = FLAG_REASONS[position % len(FLAG_REASONS)]
            moment = self.later(last_steps[case.pk], self.rng.uniform(0.3, 1.5))
            self.act(moment, flag_create, case=case, acting_user=case.assignee, kind=kind, reason=reason)
            flagged.append(moment)
        planned = self.later(max(flagged), self.rng.uniform(0.5, 1.5))
        held_on = self.calendar.local_date(planned) + timedelta(days=4)
        while not self.calendar.is_workday(held_on):
            held_on += timedelta(days=1)
        parts = {case.pk: self.sub_case_units(case) for case in cases}
        units = [case.responsible_unit for case in cases] + [unit for pair in parts.values() for unit in pair]
        if self.at(held_on, time(12)) >= self.latest:
            return
        meeting = self.act(
            planned,
            meeting_create,
            acting_user=supervisor,
            held_on=held_on,
            chair=chair,
            participating_units=list(dict.fromkeys(units)),
            title=f"{held_on.year}年{held_on.month}月企业诉求联审会办会议",
            location=MEETING_LOCATION,
        )
        for position, item in enumerate(meeting.items.select_related("flag__case").order_by("position")):
            case = item.flag.case
            sub_cases = [
                {
                    "unit": unit,
                    "title": f"{case.title}：{SUB_CASE_TEXT[unit.name][0]}",
                    "description": SUB_CASE_TEXT[unit.name][1],
                    "resolution_workdays": self.rng.choice((5, 10)),
                }
                for unit in parts[case.pk]
            ]
            self.act(
                self.at(held_on, time(10, 30 * position)),
                meeting_item_decide,
                item=item,
                acting_user=supervisor,
                decision=DECISION.format(units="、".join(unit.name for unit in parts[case.pk])),
                decision_public=True,
                sub_cases=sub_cases,
            )
        self.act(
            self.at(held_on, time(11, 40)),
            meeting_close,
            meeting=meeting,
            acting_user=supervisor,
            notes=MEETING_NOTES.format(count=len(cases)),
        )
        for item in meeting.items.filter(outcome=ItemOutcome.DECIDED).select_related("flag__case"):
            self.sub_cases_answered(item.flag.case, held_on)

    def sub_case_units(self, case: Case) -> list[Unit]:
        names = [name for name in SUB_CASE_UNITS if self.unit_by_name[name] != case.responsible_unit]
        return [self.unit_by_name[name] for name in self.rng.sample(names, 2)]

    def sub_cases_answered(self, parent: Case, held_on: date) -> None:
        """Each unit signs for its part the next morning and answers it in time; then the case is answered and
        confirmed, and the office crosses the parts off."""
        answered = []
        for sub_case in parent.sub_cases.select_related("assignee").order_by("pk"):
            accepted = self.later(self.at(held_on, time(17)), self.rng.uniform(0.05, 0.5))
            sub_case = self.act(accepted, case_accept, case=sub_case, acting_user=sub_case.assignee)
            window = self.calendar.workdays_between(accepted, sub_case.resolution_due_at)
            moment = self.later(accepted, self.rng.uniform(0.3, 0.9) * window)
            answered.append(
                self.act(
                    moment,
                    case_resolve,
                    case=sub_case,
                    acting_user=sub_case.assignee,
                    resolution_type=ResolutionType.SOLVED,
                    reply=SUB_CASE_REPLY,
                )
            )
        parent.refresh_from_db()
        resolved = self.later(max(case.resolved_at for case in answered), self.rng.uniform(0.3, 1.5))
        confirmed = self.later(resolved, self.rng.uniform(0.3, 2.5))
        if confirmed >= self.latest:
            return
        parent = self.act(
            resolved,
            case_resolve,
            case=parent,
            acting_user=parent.assignee,
            resolution_type=ResolutionType.SOLVED,
            reply=PARENT_REPLY,
        )
        self.act(
            confirmed,
            case_close,
            case=parent,
            acting_user=self.contact(parent),
            satisfaction=self.rng.choice((4, 5, 5)),
            comment=CONFIRMATION,
        )
        for position, sub_case in enumerate(answered):
            self.act(
                confirmed + timedelta(hours=1, minutes=5 * position),
                case_close,
                case=sub_case,
                acting_user=self.users["supervisor"],
                comment=SUB_CASES_CLOSED,
            )

    # --- rectifications and appeals ---------------------------------------------------------------------------

    def rectifications(self) -> None:
        walkthrough = Q(
            assignee=self.users["cadre"], rated_at__gte=self.latest - timedelta(days=WALKTHROUGH_RATINGS_DAYS)
        )
        rows = (
            Rectification.objects.filter(state=RectificationState.OPEN)
            .exclude(walkthrough)
            .select_related("case", "case__enterprise", "assignee")
            .order_by("rated_at", "pk")
        )
        for rectification in rows:
            self.rectification_settled(rectification)

    def rectification_settled(self, rectification: Rectification) -> None:
        """Appealed now and then; otherwise reported, in time mostly, and accepted, now and then after a return."""
        head = self.heads.get(rectification.unit_id)
        if head is not None and self.rng.random() < APPEALED:
            filed = self.later(rectification.rated_at, self.rng.uniform(0.5, 4))
            decided = self.later(filed, self.rng.uniform(1, 3))
            if decided < self.latest:
                kind = self.rng.choice(list(APPEAL_REASONS))
                appeal = self.act(
                    filed,
                    appeal_file,
                    case=rectification.case,
                    acting_user=head,
                    kind=kind,
                    reason=APPEAL_REASONS[kind],
                )
                uphold = self.rng.random() < UPHELD_SHARE
                self.act(
                    decided,
                    appeal_decide,
                    appeal=appeal,
                    acting_user=self.rng.choice(self.supervisors),
                    uphold=uphold,
                    note=UPHELD if uphold else REJECTED,
                )
                if uphold:
                    return
                rectification.refresh_from_db()
        reporter = rectification.assignee or head
        if self.rng.random() < LATE_REPORTS:
            submitted = self.later(rectification.due_at, self.rng.uniform(0.3, 3))
        else:
            submitted = self.later(rectification.rated_at, self.rng.uniform(0.5, 4.5))
        submitted = max(submitted, self.later(rectification.rated_at, 0.1))
        if submitted >= self.latest:
            return
        rectification = self.act(
            submitted,
            rectification_submit,
            rectification=rectification,
            acting_user=reporter,
            report=self.rng.choice(REPORTS),
        )
        decided = self.later(submitted, self.rng.uniform(0.5, 3))
        if decided >= self.latest:
            return
        supervisor = self.rng.choice(self.supervisors)
        if self.rng.random() < RETURNED_SHARE:
            rectification = self.act(
                decided, rectification_return, rectification=rectification, acting_user=supervisor, reason=RETURNED
            )
            again = self.later(decided, self.rng.uniform(0.5, 2))
            decided = self.later(again, self.rng.uniform(0.5, 2))
            if decided >= self.latest:
                return
            rectification = self.act(
                again,
                rectification_submit,
                rectification=rectification,
                acting_user=reporter,
                report=self.rng.choice(REPORTS),
            )
        self.act(decided, rectification_accept, rectification=rectification, acting_user=supervisor, note=ACCEPTED)

    # --- circulars --------------------------------------------------------------------------------------------

    def circulars(self) -> None:
        """Every whole month's, up to last month's: drafted, commented and published on the third working day
        after it."""
        supervisor = self.users["supervisor"]
        for month in self.months(before=self.this_month.start.date()):
            day = self.workday_of_month(month.end.date(), 3)
            draft = self.act(self.at(day, time(9)), circular_create, acting_user=supervisor, period=month.label)
            named = sorted(named_units(draft.content))
            draft = self.act(
                self.at(day, time(9, 40)),
                circular_update,
                circular=draft,
                acting_user=supervisor,
                version=draft.version,
                unit_comments={str(named[0]): CIRCULAR_COMMENT} if named else {},
            )
            self.act(
                self.at(day, time(10)), circular_publish, circular=draft, acting_user=supervisor, version=draft.version
            )

    # --- re-checks --------------------------------------------------------------------------------------------

    def rechecks(self) -> None:
        """Every whole month's up to the one before last; last month's is the walk-through's to draw."""
        last_month = previous_month_start(self.this_month)
        for month in self.months(before=last_month.start.date()):
            drawn = self.at(self.workday_of_month(month.end.date(), 5), time(9, 30))
            sample = self.act(
                drawn,
                recheck_sample_draw,
                acting_user=self.users["supervisor"],
                period=month,
                seed=int(month.label.replace("-", "")),
            )
            moment = drawn
            for item in sample.items.select_related("case").order_by("position"):
                moment = self.later(moment, self.rng.uniform(0.1, 0.4))
                self.recheck(item, moment)

    def recheck(self, item, moment: datetime) -> None:
        failed = self.rng.random() < RECHECK_FAILED
        result = RecheckResult.FAILED if failed else RecheckResult.PASSED
        method = RecheckMethod.VISIT if failed or self.rng.random() < 0.3 else RecheckMethod.PHONE
        answered = self.later(moment, self.rng.uniform(1, 4))
        confirmed = self.later(answered, self.rng.uniform(0.3, 2.5))
        if moment >= self.latest or (failed and confirmed >= self.latest):
            return
        self.act(
            moment,
            recheck_record,
            item=item,
            acting_user=self.users["supervisor"],
            method=method,
            result=result,
            note=self.rng.choice(RECHECK_NOTES[result]),
        )
        if not failed:
            return
        case = Case.objects.select_related("enterprise", "assignee").get(pk=item.case_id)
        case = self.act(
            answered,
            case_resolve,
            case=case,
            acting_user=case.assignee,
            resolution_type=ResolutionType.SOLVED,
            reply=ANSWER_AFTER_RECHECK,
        )
        self.act(confirmed, case_close, case=case, acting_user=self.contact(case), satisfaction=self.rng.choice((3, 4)))


def previous_month_start(month: Period) -> Period:
    return period_of_month(month.start - timedelta(days=1))
