"""The visit ledger's demo story (走访台账), written on top of ``seed_demo``'s district by ``seed_demo_supervision``.

The district's 包保 has served, and kept visit duties, for the last ``KEPT_DAYS`` days. Over them each 包联
cadre visited their enterprises about monthly, the local contacts and the unit heads now and then, the demo
leader now and then too; some visits found a problem, filed as the enterprise's case. What a first look
shows: the demo enterprise (亿鑫化工) visited three days ago by its cadre, with the problem found now its
case; some monthly visits missed, one of them the demo cadre's; duties falling due within days (their
reminders go out at the first sweep in working hours); a visit coverage in the rankings of the last months.

Every visit goes through ``visit_record`` at its own moment (``workflow.clock.frozen_at``), so its cases have
the events and deadlines of real ones. No chance is involved: moments follow from the enterprises' order.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from cases.models import Category
from core.people import user_name
from enterprises.models import EnterpriseContact, Role, ServiceAssignment, UnitMembership
from workflow import clock
from workflow.demo.texts import PROBLEMS, Problem
from workflow.workdays import SHANGHAI

from .models import Visit, VisitDuty, VisitMode
from .services import ProblemFound, visit_duties_recompute, visit_record

KEPT_DAYS = 80
DEMO_ENTERPRISE = "亿鑫化工有限公司"
DEMO_CADRE, DEMO_LEADER = "cadre", "leader"

NOTES = (
    "了解企业一季度生产经营情况，产销基本平稳，企业反映原料采购成本上升。",
    "走访企业生产车间，企业计划下半年新增一条生产线，关心用地和电力保障。",
    "宣讲稳岗补贴和研发费用加计扣除政策，企业表示将尽快申报。",
    "企业用工缺口约30人，已告知区人社局近期招聘会安排。",
    "回访上次反映问题的办理情况，企业对办理结果表示认可。",
    "企业反映物流成本较高，希望协调园区道路和停车场地。",
)
MODES = (VisitMode.ON_SITE, VisitMode.ON_SITE, VisitMode.PHONE, VisitMode.ON_SITE, VisitMode.VIDEO)
# Days ago of a cadre's three visits, shifted a few days per enterprise; the last one also found a problem
# at every fourth enterprise.
CADRE_DAYS_AGO = (76, 50, 26)


def _at(latest: datetime, days_ago: int, hour: int) -> datetime:
    """That many days before ``latest``, at ``hour`` o'clock Beijing time, moved off the weekend; never after
    ``latest``."""
    day = (latest.astimezone(SHANGHAI) - timedelta(days=days_ago)).date()
    moment = datetime.combine(day, time(hour), tzinfo=SHANGHAI)
    while moment.weekday() >= 5:
        moment -= timedelta(days=1)
    return min(moment, latest - timedelta(minutes=30))


def _met_with(contacts: dict[int, EnterpriseContact], enterprise_id: int) -> str:
    contact = contacts.get(enterprise_id)
    if contact is None:
        return "企业负责人"
    name = user_name(contact.user)
    return f"{name}（{contact.title}）" if contact.title else name


class VisitsDemo:
    def __init__(self, latest: datetime) -> None:
        self.latest = latest
        self.services: QuerySet[ServiceAssignment] = (
            ServiceAssignment.objects.filter(ended_at__isnull=True, enterprise__is_active=True)
            .select_related("enterprise", "cadre", "leader", "local_contact", "unit")
            .order_by("enterprise__name")
        )
        self.contacts = {
            contact.enterprise_id: contact
            for contact in EnterpriseContact.objects.select_related("user").order_by("-pk")
        }
        self.categories = {category.code: category for category in Category.objects.all()}
        self.heads: dict[int, User] = {}
        for membership in UnitMembership.objects.filter(role=Role.UNIT_HEAD).select_related("user").order_by("pk"):
            self.heads.setdefault(membership.unit_id, membership.user)
        self.recorded = 0

    def visit(self, service: ServiceAssignment, visitor: User, moment: datetime, number: int, *, problem=None) -> None:
        found = []
        if problem is not None:
            found = [ProblemFound(self.categories[problem.category], problem.title, problem.description)]
        with clock.frozen_at(min(moment + timedelta(hours=2), self.latest)):
            visit_record(
                enterprise=service.enterprise,
                acting_user=visitor,
                visited_at=moment,
                mode=MODES[number % len(MODES)],
                met_with=_met_with(self.contacts, service.enterprise_id),
                notes=NOTES[number % len(NOTES)],
                problems=found,
            )
        self.recorded += 1

    def build(self) -> int:
        """Write the story; the visits recorded."""
        # seed_demo sets the 包保 up as it runs; in the story it has served for KEPT_DAYS, so the months before
        # this one have a visit coverage too. Periods an earlier history already dated are left alone.
        started = self.latest - timedelta(days=1)
        back = timedelta(days=KEPT_DAYS)
        ServiceAssignment.objects.filter(started_at__gte=started).update(
            started_at=F("started_at") - back, ended_at=F("ended_at") - back
        )
        services = list(self.services)
        # The district started keeping visit duties KEPT_DAYS ago: every duty is held since then.
        VisitDuty.objects.filter(enterprise_id__in=[service.enterprise_id for service in services]).delete()
        with clock.frozen_at(_at(self.latest, KEPT_DAYS, 9)):
            visit_duties_recompute(enterprise_ids=[service.enterprise_id for service in services])
        demo_cadre_enterprises = [s for s in services if s.cadre and s.cadre.username == DEMO_CADRE]
        lagging = next((s for s in demo_cadre_enterprises if s.enterprise.name != DEMO_ENTERPRISE), None)
        planned: list[tuple[datetime, ServiceAssignment, User, Problem | None]] = []
        for index, service in enumerate(services):
            shift = index % 6
            if service.cadre is not None:
                days = [days_ago - shift for days_ago in CADRE_DAYS_AGO]
                if service == lagging or index % 7 == 3:
                    days = days[:-1]  # the monthly visit is late: the desk and the unit head see it overdue
                if service.enterprise.name == DEMO_ENTERPRISE:
                    days[-1] = 3
                for position, days_ago in enumerate(days):
                    last = position == len(days) - 1
                    finds = last and (service.enterprise.name == DEMO_ENTERPRISE or index % 4 == 0)
                    problem = PROBLEMS[index % len(PROBLEMS)] if finds else None
                    planned.append((_at(self.latest, days_ago, 10), service, service.cadre, problem))
            if service.local_contact is not None and index % 3 == 0:
                planned.append((_at(self.latest, 40 + shift, 15), service, service.local_contact, None))
            head = self.heads.get(service.unit_id)
            if head is not None and index % 5 == 0:
                planned.append((_at(self.latest, 45 + shift, 14), service, head, None))
            if service.leader is not None and service.leader.username == DEMO_LEADER and index % 4 == 1:
                planned.append((_at(self.latest, 60 + shift, 9), service, service.leader, None))
        taken: dict[datetime, int] = defaultdict(int)
        for number, (moment, service, visitor, problem) in enumerate(sorted(planned, key=lambda item: item[0])):
            # Two visits at one moment would read as one: a few minutes apart.
            taken[moment] += 1
            self.visit(service, visitor, moment + timedelta(minutes=7 * (taken[moment] - 1)), number, problem=problem)
        return self.recorded


def visits_demo_seed(*, latest: datetime) -> int:
    """The demo's visits and duties, up to ``latest``; the visits recorded."""
    if Visit.objects.exists():
        return 0
    return VisitsDemo(latest).build()
