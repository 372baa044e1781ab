"""The supervision demo: a year of supervision behind every chart, what docs/walkthrough.md relies on, and a
second run that changes nothing."""

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState, Closure
from enterprises.models import Unit
from notifications.models import Delivery, DeliveryStatus, Notification
from supervision.circulars.models import Circular, CircularState
from supervision.meetings.models import FlagKind, Meeting, MeetingFlag, MeetingState
from supervision.rates.periods import period_of_month, within
from supervision.rates.trends import overdue_by_week
from supervision.ratings.models import Appeal, AppealState, Rectification, RectificationState
from supervision.rechecks.models import RecheckSample
from supervision.rechecks.sampling import previous_month
from supervision.visits.models import Visit, VisitDuty
from workflow.management.commands.seed_demo import INDUSTRY_BUREAU

COUNTED_MODELS = (
    Case,
    CaseEvent,
    Notification,
    MeetingFlag,
    Meeting,
    Rectification,
    Appeal,
    Circular,
    RecheckSample,
    Visit,
    VisitDuty,
)

# A Friday morning; the demo's year lies in the twelve months before whatever day it is seeded.
SEEDED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds) and roll it back afterwards; each test runs in a savepoint."""
    with time_machine.travel(SEEDED_AT, tick=True), django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--quiet")
        output = StringIO()
        call_command("seed_demo_supervision", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


def client_of(django_user_model, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=django_user_model.objects.get(username=username))
    return client


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def months_back(months: int) -> str:
    """The label of the month ``months`` before the seeding month, e.g. "2025-12" for 11."""
    year, month = divmod(SEEDED_AT.year * 12 + SEEDED_AT.month - 1 - months, 12)
    return f"{year}-{month + 1:02d}"


@pytest.mark.django_db
def test_it_shows_the_supervisor_figures_for_most_units_in_the_month_eleven_months_ago(django_user_model):
    supervisor = client_of(django_user_model, "supervisor")

    response = supervisor.get(f"/api/v1/supervision/rates/?period={months_back(11)}&by=unit")

    assert response.status_code == 200, response.data
    ranked = [row for row in response.data["rows"] if row["tier"] in ("bureau", "local")]
    assert len(ranked) >= 20
    with_figures = [row for row in ranked if row["score"] is not None]
    assert len(with_figures) >= 0.9 * len(ranked), [row["unit"]["name"] for row in ranked if row["score"] is None]
    assert sum(row["ratios"]["satisfaction"]["denominator"] for row in ranked) >= 100


@pytest.mark.django_db
def test_it_draws_a_weekly_overdue_line_that_moves_and_ends_without_a_jump():
    weeks = [week.overdue for week in overdue_by_week(now=timezone.now(), scope=None)]

    earlier = weeks[:-1]
    assert sum(1 for overdue in earlier if overdue > 0) >= len(earlier) - 2, weeks
    assert len(set(weeks)) >= 3, weeks
    assert weeks[-1] <= 2 * max(earlier), weeks


@pytest.mark.django_db
def test_it_holds_a_meeting_publishes_a_circular_and_draws_a_recheck_in_the_months_of_the_year():
    published = Circular.objects.filter(state=CircularState.PUBLISHED)
    assert set(published.values_list("period_label", flat=True)) == {months_back(back) for back in range(1, 12)}
    drawn = set(RecheckSample.objects.values_list("period", flat=True))
    assert drawn == {months_back(back) for back in range(2, 12)}
    held = Meeting.objects.filter(state=MeetingState.HELD)
    assert len({(meeting.held_on.year, meeting.held_on.month) for meeting in held}) >= 9
    assert not Case.objects.filter(state=CaseState.ASSIGNED, filed_at__lt=timezone.now() - timedelta(days=60)).exists()
    rectifications = Rectification.objects.filter(rated_at__lt=timezone.now() - timedelta(days=62))
    assert rectifications.filter(state=RectificationState.ACCEPTED).count() >= 50
    assert not rectifications.filter(state=RectificationState.OPEN).exclude(assignee__username="cadre").exists()
    assert not Delivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=timezone.now()).exists()


@pytest.mark.django_db
def test_it_seeds_what_the_supervisors_walk_through_needs_and_a_second_run_changes_nothing(demo, django_user_model):
    supervisor = client_of(django_user_model, "supervisor")
    industry = Unit.objects.get(name=INDUSTRY_BUREAU)

    pending = supervisor.get("/api/v1/supervision/flags/?state=pending").data["results"]
    on_no_agenda = {flag["case"]["number"] for flag in pending if flag["times_deferred"] == 0}
    flagged = {(flag["flagged_by"]["username"], flag["kind"]) for flag in pending}
    assert {("cadre", FlagKind.LEADER_DECISION), ("unithead", FlagKind.SEVERAL_DEPARTMENTS)} <= flagged
    assert len(on_no_agenda) == 2

    meetings = supervisor.get("/api/v1/supervision/meetings/").data["results"]
    assert [meeting["state"] for meeting in meetings].count(MeetingState.PLANNED) == 1
    planned = next(meeting for meeting in meetings if meeting["state"] == MeetingState.PLANNED)
    assert planned["held_on"] > timezone.localdate().isoformat()
    held = supervisor.get("/api/v1/supervision/meetings/?state=held").data["results"][0]
    assert held["held_on"] >= (timezone.localdate() - timedelta(days=10)).isoformat()
    items = supervisor.get(f"/api/v1/supervision/meetings/{held['id']}/").data["items"]
    assert [item["outcome"] for item in items] == ["decided", "deferred"]
    assert sorted(sub_case["state"] for sub_case in items[0]["sub_cases"]) == [CaseState.ASSIGNED, CaseState.RESOLVED]
    assert items[0]["case"]["state"] == CaseState.ASSIGNED

    head = client_of(django_user_model, "unithead")
    appeals = supervisor.get("/api/v1/supervision/appeals/?state=pending").data["results"]
    assert [(appeal["filed_by"]["username"], appeal["available_actions"]) for appeal in appeals] == [
        ("unithead", ["decide"])
    ]
    assert head.get("/api/v1/supervision/appeals/?state=pending").data["count"] == 1
    decided = Appeal.objects.filter(decided_at__lt=period_of_month(timezone.now()).start)
    assert {AppealState.REJECTED, AppealState.UPHELD} <= set(decided.values_list("state", flat=True))

    rectifications = Rectification.objects.filter(unit=industry)
    assert rectifications.filter(state=RectificationState.SUBMITTED, assignee__username="cadre").exists()
    assert rectifications.filter(state=RectificationState.OPEN, due_at__lt=timezone.now()).exists()

    last_month = previous_month(timezone.now())
    assert not RecheckSample.objects.filter(period=last_month.label).exists()
    closed = Case.objects.filter(within("closed_at", last_month), state=CaseState.CLOSED).exclude(
        closure=Closure.WITHDRAWN
    )
    assert closed.values("responsible_unit").distinct().count() >= 3

    circulars = supervisor.get("/api/v1/supervision/circulars/").data["results"]
    assert circulars[0]["state"] == CircularState.PUBLISHED
    assert circulars[0]["number"] == "督办通报〔2026〕第11期"
    assert Circular.objects.get(pk=circulars[0]["id"]).period_label == last_month.label

    latest = client_of(django_user_model, "enterprise").get("/api/v1/visits/").data["results"][0]
    assert (latest["visitor"]["username"], latest["notes"], len(latest["cases"])) == ("cadre", None, 1)
    cadre = client_of(django_user_model, "cadre")
    cadre_id = django_user_model.objects.get(username="cadre").pk
    assert cadre.get(f"/api/v1/visits/duties/?state=overdue&person={cadre_id}").data["count"] >= 1

    assert "Supervision demo data created." in demo
    before = counts()
    output = StringIO()
    call_command("seed_demo_supervision", stdout=output)
    assert counts() == before
    assert "already there" in output.getvalue()


@pytest.mark.django_db
def test_it_puts_the_demo_key_projects_on_the_wall_with_nodes_of_every_state(demo, django_user_model):
    with time_machine.travel(SEEDED_AT, tick=False):
        rows = client_of(django_user_model, "leader").get("/api/v1/projects/").data["results"]

    full = next(row for row in rows if row["name"] == "亿鑫化工新材料产业园项目")
    assert {node["state"] for node in full["milestones"]} == {"done", "done_late", "late", "due_soon", "planned"}
    assert (full["planned_investment"], full["open_cases"]) == ("18000.00", 1)
    assert Decimal(full["completed_investment"]) > 0


@pytest.mark.django_db
def test_it_seeds_a_common_problem_of_several_enterprises_for_the_industry_bureau_and_merged_duplicates(
    demo, django_user_model
):
    unithead = client_of(django_user_model, "unithead")

    (problem,) = unithead.get("/api/v1/supervision/common-problems/").data["results"]

    assert problem["state"] == "open" and problem["unit"]["name"] == INDUSTRY_BUREAU
    assert problem["enterprise_count"] >= 2
    assert problem["available_actions"] == ["answer"]
    merged = Case.objects.filter(closure=Closure.DUPLICATE)
    assert merged.count() == 3
    assert all(case.merged_into.enterprise_id == case.enterprise_id for case in merged.select_related("merged_into"))
