"""Seed the supervision office's side of the demo district, on top of ``seed_demo``.

What a supervisor walks through in docs/walkthrough.md: flags waiting for the
joint review meeting, a meeting held last week whose decision spawned two
sub-cases (one answered, one running, so the parent waits) and deferred an
item to next week's meeting, rectifications reported and overdue, a pending
appeal and two decided in an earlier month, a published circular for last
month. Last month's re-check sample is left to draw, and this month's circular
to generate.

Every record is written through the supervision services (and the workflow's
for the sub-cases' answers) at moments in the past with ``workflow.clock.frozen_at``,
so it has the events and notifications a real one has. There is no chance
involved: the cases are picked from the seeded district by fixed rules, so two
runs on the same demo give the same result, and a second run changes nothing.
"""

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, CaseState, Closure, Complexity
from enterprises.models import Unit
from supervision.circulars.models import Circular, CircularState
from supervision.circulars.services import circular_create, circular_publish, circular_update
from supervision.circulars.snapshot import circular_number, named_units
from supervision.common_problems.demo import common_problem_seed
from supervision.common_problems.models import CommonProblem
from supervision.meetings.models import FlagKind, FlagState, Meeting, MeetingFlag, MeetingState
from supervision.meetings.services import flag_create, meeting_close, meeting_create, meeting_item_decide
from supervision.rates.periods import period_of_month, within
from supervision.ratings.models import (
    Appeal,
    AppealKind,
    AppealState,
    Rectification,
    RectificationState,
    rectification_overdue_q,
)
from supervision.ratings.permissions import appeal_window_ends_at
from supervision.ratings.services import appeal_decide, appeal_file, rectification_accept, rectification_submit
from supervision.rechecks.models import RecheckSample
from supervision.rechecks.sampling import previous_month
from workflow import clock
from workflow.demo.district import DISTRICT, INDUSTRY_BUREAU, LAND_BUREAU, demo_data_exists
from workflow.selectors import work_calendar
from workflow.services import case_accept, case_resolve

User = get_user_model()

HELD_MEETING_TITLE = "松北区企业诉求联审会办会议"
PLANNED_MEETING_TITLE = "松北区企业诉求联审会办例会"
MEETING_LOCATION = "区政府三楼第一会议室"
# Working days back to last week's meeting, and the days before it when its cases were flagged and it was planned.
HELD_MEETING_WORKDAYS_AGO = 5

FLAG_REASONS = {
    "held_decided": "涉及规划用地和属地协调两个方面，单个部门无法办结，需联审会办明确分工。",
    "held_deferred": "企业诉求涉及政策突破，需分管区领导研究决定。",
    "leader_decision": "企业请求的事项超出本局政策权限，需区领导研究决定是否给予支持。",
    "several_departments": "该问题需要自然资源、住建和属地街道共同协调，建议提交联审会办。",
}
DECISION = (
    "会议议定：由自然资源局牵头办理规划和用地手续，属地负责现场协调和施工保障；"
    "两项工作完成后，由原承办单位统一答复企业。"
)
SUB_CASE_LAND = (
    "规划用地手续协调",
    "按联审会办会议定，自然资源局牵头办理规划和用地手续，办理结果书面报告督查考核办公室。",
    5,
)
SUB_CASE_LOCAL = ("属地现场协调", "按联审会办会议定，属地负责现场协调和施工保障，每周报告一次进展。", 15)
SUB_CASE_REPLY = "已按会议议定完成规划和用地手续，相关批复已送达企业。"
MEETING_NOTES = "会议由李强同志主持，研究企业诉求两件：一件形成决定并分派子任务，一件待补充材料后下次会议研究。"

PENDING_APPEAL_REASON = "该问题已于答复当日协调办结，企业联系人误将评价选为不满意，企业已出具情况说明。"
UPHELD_APPEAL_REASON = "企业反映的问题已按期解决，评价系误选，企业负责人已书面确认。"
UPHELD_NOTE = "经电话回访企业负责人，确认系误评，申诉成立。"
REJECTED_APPEAL_REASON = "企业因政策限制未获支持而给出差评，非承办单位办理原因。"
REJECTED_NOTE = "经回访核实，企业反映的办理时间过长属实，评价有效，申诉不予支持。"
RECTIFICATION_REPORT = "已再次到企业现场对接，补充落实了企业提出的后续事项，并建立每周回访机制。"
RECTIFICATION_ACCEPTED = "整改材料齐全，企业回访满意，予以验收。"
CIRCULAR_COMMENT = "请该单位主要负责同志亲自过问，五个工作日内书面报告逾期件办理情况。"


class DemoSupervision:
    """Writes the supervision records in the order they would have happened, each at its own moment."""

    def __init__(self) -> None:
        self.calendar = work_calendar()
        self.latest = timezone.now() - timedelta(minutes=1)
        self.today = self.calendar.local_date(self.latest)
        self.users = {user.username: user for user in User.objects.filter(username__in=self.usernames())}
        self.units = {
            unit.name: unit for unit in Unit.objects.filter(name__in=(DISTRICT, INDUSTRY_BUREAU, LAND_BUREAU))
        }

    @staticmethod
    def usernames() -> tuple[str, ...]:
        return ("supervisor", "leader", "unithead", "cadre")

    def at(self, day: date, clock_time: time) -> datetime:
        """That time of day in the district, never later than now."""
        moment = datetime.combine(day, clock_time, tzinfo=self.calendar.tz)
        return min(moment, self.latest)

    def act(self, moment: datetime, service, **arguments):
        with clock.frozen_at(min(moment, self.latest)):
            return service(**arguments)

    def build(self) -> None:
        self.build_meetings()
        self.build_ratings()
        common_problem_seed(
            dispatcher=User.objects.get(username="dispatcher"),
            unit=self.units[INDUSTRY_BUREAU],
            calendar=self.calendar,
            latest=self.latest,
        )
        self.build_circular()

    # The joint review meeting

    def open_cases(self) -> Q:
        return Q(state=CaseState.ASSIGNED, parent__isnull=True, enterprise_reopen_count=0)

    def cases_in_progress_before(self, moment: datetime) -> list[Case]:
        """Cases signed for before ``moment`` and still worked on: the big ones first, then the oldest."""
        cases = Case.objects.filter(self.open_cases(), accepted_at__lt=moment).select_related("enterprise")
        return sorted(cases, key=lambda case: (case.complexity != Complexity.COMPLEX, case.filed_at, case.pk))

    def build_meetings(self) -> None:
        """Last week's meeting decides one item into two sub-cases and defers the other; next week's is planned;
        then two new flags wait for whichever meeting the supervisor holds next."""
        supervisor, leader = self.users["supervisor"], self.users["leader"]
        meeting_day = self.calendar.previous_workday(self.today)
        for _ in range(HELD_MEETING_WORKDAYS_AGO - 1):
            meeting_day = self.calendar.previous_workday(meeting_day)
        planning_day = self.calendar.previous_workday(meeting_day)
        flagging_day = self.calendar.previous_workday(planning_day)
        flagged_at = self.at(flagging_day, time(9, 30))

        candidates = self.cases_in_progress_before(flagged_at)
        if len(candidates) < 2:
            raise CommandError("The demo has too few cases in progress for last week's meeting; reseed the demo.")
        decided, deferred = candidates[:2]
        for case, key in ((decided, "held_decided"), (deferred, "held_deferred")):
            kind = FlagKind.SEVERAL_DEPARTMENTS if key == "held_decided" else FlagKind.LEADER_DECISION
            self.act(flagged_at, flag_create, case=case, acting_user=supervisor, kind=kind, reason=FLAG_REASONS[key])

        land, township = self.units[LAND_BUREAU], decided.enterprise.township
        held = self.act(
            self.at(planning_day, time(15)),
            meeting_create,
            acting_user=supervisor,
            held_on=meeting_day,
            chair=leader,
            participating_units=self.participants(decided, deferred, land, township),
            title=HELD_MEETING_TITLE,
            location=MEETING_LOCATION,
        )
        item = held.items.get(flag__case=decided)
        sub_cases = [
            {
                "unit": unit,
                "title": f"{decided.title}：{title}",
                "description": description,
                "resolution_workdays": workdays,
            }
            for unit, (title, description, workdays) in ((land, SUB_CASE_LAND), (township, SUB_CASE_LOCAL))
        ]
        self.act(
            self.at(meeting_day, time(10, 30)),
            meeting_item_decide,
            item=item,
            acting_user=supervisor,
            decision=DECISION,
            decision_public=True,
            sub_cases=sub_cases,
        )
        self.act(
            self.at(meeting_day, time(11, 30)), meeting_close, meeting=held, acting_user=supervisor, notes=MEETING_NOTES
        )
        self.answer_one_sub_case(decided, meeting_day)

        next_week = self.today + timedelta(days=8 - self.today.weekday())  # Tuesday of next week
        while not self.calendar.is_workday(next_week):
            next_week += timedelta(days=1)
        industry = self.units[INDUSTRY_BUREAU]
        self.act(
            self.latest - timedelta(hours=3),
            meeting_create,
            acting_user=supervisor,
            held_on=next_week,
            chair=leader,
            participating_units=self.participants(deferred, industry),
            title=PLANNED_MEETING_TITLE,
            location=MEETING_LOCATION,
        )
        self.flag_for_next_meeting(exclude=(decided.pk, deferred.pk))

    @staticmethod
    def participants(*things) -> list[Unit]:
        """The units of the cases and the units themselves, once each, in order."""
        units = [thing if isinstance(thing, Unit) else thing.responsible_unit for thing in things]
        return list(dict.fromkeys(unit for unit in units if unit is not None))

    def answer_one_sub_case(self, parent: Case, meeting_day: date) -> None:
        """The land bureau answers its part; the township is still at work, so the parent waits."""
        first_day = self.calendar.previous_workday(meeting_day + timedelta(days=2))
        if first_day <= meeting_day:
            first_day = meeting_day + timedelta(days=1)
        second_day = first_day + timedelta(days=1)
        for sub_case in parent.sub_cases.select_related("assignee").order_by("pk"):
            self.act(self.at(first_day, time(9, 30)), case_accept, case=sub_case, acting_user=sub_case.assignee)
            if sub_case.responsible_unit_id == self.units[LAND_BUREAU].pk:
                sub_case.refresh_from_db()
                self.act(
                    self.at(second_day, time(16)),
                    case_resolve,
                    case=sub_case,
                    acting_user=sub_case.assignee,
                    resolution_type="solved",
                    reply=SUB_CASE_REPLY,
                )

    def flag_for_next_meeting(self, *, exclude: tuple[int, ...]) -> None:
        """The demo cadre asks for a leader's decision, the unit head for several departments: in no agenda yet."""
        industry_cases = Case.objects.filter(self.open_cases(), responsible_unit=self.units[INDUSTRY_BUREAU]).exclude(
            pk__in=exclude
        )
        cadre, head = self.users["cadre"], self.users["unithead"]
        own = industry_cases.filter(assignee=cadre).order_by("filed_at", "pk").first()
        if own is None:
            raise CommandError("The demo cadre has no case in progress to flag; reseed the demo.")
        bureau = industry_cases.exclude(pk=own.pk).order_by("filed_at", "pk").first()
        if bureau is None:
            raise CommandError("The Industry Bureau has no second case in progress to flag; reseed the demo.")
        moment = self.latest - timedelta(hours=2)
        self.act(
            moment,
            flag_create,
            case=own,
            acting_user=cadre,
            kind=FlagKind.LEADER_DECISION,
            reason=FLAG_REASONS["leader_decision"],
        )
        self.act(
            moment + timedelta(minutes=30),
            flag_create,
            case=bureau,
            acting_user=head,
            kind=FlagKind.SEVERAL_DEPARTMENTS,
            reason=FLAG_REASONS["several_departments"],
        )

    # Rectifications and appeals

    def build_ratings(self) -> None:
        """In the demo cadre's bureau: a pending appeal and a submitted report on recent bad ratings, an upheld
        and a rejected appeal (its rectification then reported and accepted) in an earlier month; the other
        rectifications stay open and overdue."""
        industry = self.units[INDUSTRY_BUREAU]
        open_ones = list(
            Rectification.objects.filter(unit=industry, state=RectificationState.OPEN)
            .select_related("case", "case__enterprise")
            .order_by("-rated_at", "-pk")
        )
        recent = [row for row in open_ones if appeal_window_ends_at(row.case, self.calendar) > self.latest]
        month_start = period_of_month(self.latest).start
        earlier = [row for row in open_ones if row.rated_at < month_start - timedelta(days=7)]
        if len(recent) < 2 or len(earlier) < 2:
            raise CommandError("The demo lacks the bad ratings the supervision demo needs; reseed the demo.")
        supervisor, head, cadre = self.users["supervisor"], self.users["unithead"], self.users["cadre"]

        appealed_now, reported_now = recent[:2]
        self.act(
            self.halfway_to_now(appealed_now.rated_at),
            appeal_file,
            case=appealed_now.case,
            acting_user=head,
            kind=AppealKind.MISTAKEN,
            reason=PENDING_APPEAL_REASON,
        )
        self.act(
            self.halfway_to_now(reported_now.rated_at),
            rectification_submit,
            rectification=reported_now,
            acting_user=cadre,
            report=RECTIFICATION_REPORT,
        )

        upheld, rejected = earlier[:2]
        for rectification, kind, reason, uphold, note in (
            (upheld, AppealKind.MISTAKEN, UPHELD_APPEAL_REASON, True, UPHELD_NOTE),
            (rejected, AppealKind.MALICIOUS, REJECTED_APPEAL_REASON, False, REJECTED_NOTE),
        ):
            filed_at = rectification.rated_at + timedelta(days=1)
            appeal = self.act(
                filed_at, appeal_file, case=rectification.case, acting_user=head, kind=kind, reason=reason
            )
            self.act(
                filed_at + timedelta(days=2),
                appeal_decide,
                appeal=appeal,
                acting_user=supervisor,
                uphold=uphold,
                note=note,
            )
        reported = self.act(
            rejected.rated_at + timedelta(days=4),
            rectification_submit,
            rectification=rejected,
            acting_user=head,
            report=RECTIFICATION_REPORT,
        )
        self.act(
            rejected.rated_at + timedelta(days=5),
            rectification_accept,
            rectification=reported,
            acting_user=supervisor,
            note=RECTIFICATION_ACCEPTED,
        )
        overdue = Rectification.objects.filter(rectification_overdue_q(self.latest), unit=industry)
        if not overdue.exclude(case__appeals__isnull=False).exists():
            raise CommandError("No overdue rectification is left in the Industry Bureau; reseed the demo.")

    def halfway_to_now(self, moment: datetime) -> datetime:
        return moment + (self.latest - moment) / 2

    # The circular

    def build_circular(self) -> None:
        """Last month's circular, drafted, commented and published on the third working day of this month."""
        supervisor = self.users["supervisor"]
        day = period_of_month(self.latest).start.date() - timedelta(days=1)
        for _ in range(3):
            day += timedelta(days=1)
            while not self.calendar.is_workday(day):
                day += timedelta(days=1)
        last_month = previous_month(self.latest)
        draft = self.act(self.at(day, time(9)), circular_create, acting_user=supervisor, period=last_month.label)
        named = self.named_unit_ids(draft)
        comments = {str(named[0]): CIRCULAR_COMMENT} if named else {}
        draft = self.act(
            self.at(day, time(9, 40)),
            circular_update,
            circular=draft,
            acting_user=supervisor,
            version=draft.version,
            unit_comments=comments,
        )
        self.act(
            self.at(day, time(10)), circular_publish, circular=draft, acting_user=supervisor, version=draft.version
        )

    @staticmethod
    def named_unit_ids(circular: Circular) -> list[int]:
        return sorted(named_units(circular.content))


def supervision_demo_exists() -> bool:
    return Meeting.objects.filter(title=HELD_MEETING_TITLE, state=MeetingState.HELD).exists()


def supervision_records_exist() -> bool:
    return any(
        model.objects.exists() for model in (MeetingFlag, Meeting, Appeal, Circular, RecheckSample, CommonProblem)
    )


class Command(BaseCommand):
    help = "Add the supervision office's demo records (meetings, appeals, rectifications, a circular) to seed_demo's."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, quiet: bool = False, **options) -> None:
        if not demo_data_exists():
            raise CommandError("Run seed_demo first: this adds the supervision office's records to its district.")
        if supervision_demo_exists():
            if not quiet:
                self.stdout.write("The supervision demo data is already there; nothing changed.")
                self.write_summary()
            return
        if supervision_records_exist():
            raise CommandError(
                "Meetings, appeals or circulars already exist, but not the supervision demo. Seed a fresh demo."
            )
        with transaction.atomic():
            DemoSupervision().build()
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Supervision demo data created."))
            self.write_summary()

    def write_summary(self) -> None:
        write = self.stdout.write
        now = timezone.now()
        flags = Counter(MeetingFlag.objects.values_list("state", flat=True))
        meetings = Counter(Meeting.objects.values_list("state", flat=True))
        waiting = Case.objects.filter(
            state=CaseState.ASSIGNED, sub_cases__state__in=(CaseState.OPENED, CaseState.ASSIGNED)
        ).distinct()
        write(
            f"Joint review: {flags[FlagState.PENDING]} flags pending, {meetings[MeetingState.HELD]} meeting held, "
            f"{meetings[MeetingState.PLANNED]} planned; {waiting.count()} parent case waiting for its sub-cases."
        )
        rectifications = Counter(Rectification.objects.values_list("state", flat=True))
        overdue = Rectification.objects.filter(rectification_overdue_q(now)).count()
        write(
            f"Rectifications: {rectifications[RectificationState.OPEN]} open ({overdue} overdue), "
            f"{rectifications[RectificationState.SUBMITTED]} submitted, "
            f"{rectifications[RectificationState.ACCEPTED]} accepted, "
            f"{rectifications[RectificationState.CANCELLED]} cancelled."
        )
        appeals = Counter(Appeal.objects.values_list("state", flat=True))
        write("Appeals: " + ", ".join(f"{appeals[state]} {state}" for state in AppealState.values) + ".")
        last_month = previous_month(now)
        closed = Case.objects.filter(within("closed_at", last_month), state=CaseState.CLOSED).exclude(
            closure=Closure.WITHDRAWN
        )
        drawn = RecheckSample.objects.filter(period=last_month.label).exists()
        write(
            f"Re-check of {last_month.label}: {'drawn' if drawn else 'not drawn yet'}; "
            f"{closed.count()} closed cases in {closed.values('responsible_unit').distinct().count()} units."
        )
        published = Circular.objects.filter(state=CircularState.PUBLISHED).order_by("year", "sequence")
        names = "、".join(circular_number(circular.year, circular.sequence) for circular in published) or "none"
        write(f"Circulars published: {names}; drafts: {Circular.objects.filter(state=CircularState.DRAFT).count()}.")
