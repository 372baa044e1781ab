"""Seed the supervision office's side of the demo district, on top of ``seed_demo``.

``supervision.demo`` writes it: first the year's months (``year``: joint review meetings, rectifications and
appeals, a circular a month, re-checks), then what docs/walkthrough.md starts from (``walkthrough``: flags
waiting for the meeting, last week's meeting and next week's, a pending appeal, a reported rectification, last
month's re-check left to draw). Every record goes through the supervision services (and the workflow's) at
its moment in the past, so it has the events and notifications a real one has; the e-mails of that past count
as sent then. Two runs on the same demo give the same result, and a second run changes nothing.
"""

from collections import Counter
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cases.models import Case, CaseState, Closure
from enterprises.models import Unit
from supervision.circulars.models import Circular, CircularState
from supervision.circulars.snapshot import circular_number
from supervision.common_problems.demo import common_problem_seed
from supervision.common_problems.models import CommonProblem
from supervision.demo.office import deliveries_settle
from supervision.demo.walkthrough import HELD_MEETING_TITLE, Walkthrough
from supervision.demo.year import SupervisionYear
from supervision.meetings.models import FlagState, Meeting, MeetingFlag, MeetingState
from supervision.projects.demo import projects_demo_seed
from supervision.rates.periods import within
from supervision.ratings.models import Appeal, AppealState, Rectification, RectificationState, rectification_overdue_q
from supervision.rechecks.models import RecheckSample
from supervision.rechecks.sampling import previous_month
from supervision.visits.demo import visits_demo_seed
from supervision.visits.models import Visit, VisitDuty, duty_overdue_q
from workflow.demo.district import INDUSTRY_BUREAU, demo_data_exists
from workflow.demo.seed import planner_statistics_update
from workflow.selectors import work_calendar


def supervision_demo_exists() -> bool:
    return Meeting.objects.filter(title=HELD_MEETING_TITLE, state=MeetingState.HELD).exists()


def supervision_records_exist() -> bool:
    return any(
        model.objects.exists() for model in (MeetingFlag, Meeting, Appeal, Circular, RecheckSample, CommonProblem)
    )


class Command(BaseCommand):
    help = "Add the supervision office's year (meetings, ratings, circulars, re-checks, visits) to seed_demo's."

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
        latest = timezone.now() - timedelta(minutes=1)
        with transaction.atomic():
            SupervisionYear().build()
            Walkthrough().build()
            visits_demo_seed(latest=latest)
            projects_demo_seed()
            common_problem_seed(
                dispatcher=get_user_model().objects.get(username="dispatcher"),
                unit=Unit.objects.get(name=INDUSTRY_BUREAU),
                calendar=work_calendar(),
                latest=latest,
            )
            # Their cases are filed under the workflow's clock, their notifications at the real time.
            deliveries_settle(before=timezone.now())
        planner_statistics_update()
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
            f"Joint review: {flags[FlagState.PENDING]} flags pending, {meetings[MeetingState.HELD]} meetings held, "
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
        write(
            f"Visits: {Visit.objects.count()} recorded; {VisitDuty.objects.count()} visit duties, "
            f"{VisitDuty.objects.filter(duty_overdue_q(now)).count()} overdue."
        )
        last_month = previous_month(now)
        closed = Case.objects.filter(within("closed_at", last_month), state=CaseState.CLOSED).exclude(
            closure=Closure.WITHDRAWN
        )
        drawn = RecheckSample.objects.filter(period=last_month.label).exists()
        samples = RecheckSample.objects.aggregate(count=Count("pk", distinct=True), items=Count("items"))
        write(
            f"Re-checks: {samples['count']} monthly samples of {samples['items']} cases; {last_month.label}: "
            f"{'drawn' if drawn else 'not drawn yet'}, {closed.count()} closed cases in "
            f"{closed.values('responsible_unit').distinct().count()} units."
        )
        published = list(Circular.objects.filter(state=CircularState.PUBLISHED).order_by("year", "sequence"))
        latest = circular_number(published[-1].year, published[-1].sequence) if published else "none"
        write(
            f"Circulars published: {len(published)}, the latest {latest}; "
            f"drafts: {Circular.objects.filter(state=CircularState.DRAFT).count()}."
        )
