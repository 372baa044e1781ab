"""The supervision demo: what docs/walkthrough.md relies on is there, and a second run changes nothing."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState, Closure
from enterprises.models import Unit
from notifications.models import Notification
from supervision.circulars.models import Circular, CircularState
from supervision.meetings.models import FlagKind, Meeting, MeetingFlag, MeetingState
from supervision.rates.periods import period_of_month, within
from supervision.ratings.models import Appeal, AppealState, Rectification, RectificationState
from supervision.rechecks.models import RecheckSample
from supervision.rechecks.sampling import previous_month
from workflow.management.commands.seed_demo import INDUSTRY_BUREAU

COUNTED_MODELS = (Case, CaseEvent, Notification, MeetingFlag, Meeting, Rectification, Appeal, Circular, RecheckSample)


# A Friday morning; the demo's history lies in the weeks before whatever day it is seeded.
SEEDED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo():
    with time_machine.travel(SEEDED_AT, tick=True):
        call_command("seed_demo", "--quiet")
        output = StringIO()
        call_command("seed_demo_supervision", stdout=output)
        yield output.getvalue()


def client_of(django_user_model, username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=django_user_model.objects.get(username=username))
    return client


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


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
    assert sorted(meeting["state"] for meeting in meetings) == [MeetingState.HELD, MeetingState.PLANNED]
    planned = next(meeting for meeting in meetings if meeting["state"] == MeetingState.PLANNED)
    assert planned["held_on"] > timezone.localdate().isoformat()
    held = next(meeting for meeting in meetings if meeting["state"] == MeetingState.HELD)
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
    assert sorted(decided.values_list("state", flat=True)) == [AppealState.REJECTED, AppealState.UPHELD]

    rectifications = Rectification.objects.filter(unit=industry)
    assert rectifications.filter(state=RectificationState.SUBMITTED).exists()
    assert rectifications.filter(state=RectificationState.OPEN, due_at__lt=timezone.now()).exists()

    last_month = previous_month(timezone.now())
    assert supervisor.get("/api/v1/supervision/rechecks/").data["count"] == 0
    closed = Case.objects.filter(within("closed_at", last_month), state=CaseState.CLOSED).exclude(
        closure=Closure.WITHDRAWN
    )
    assert closed.values("responsible_unit").distinct().count() >= 3

    circulars = supervisor.get("/api/v1/supervision/circulars/").data["results"]
    assert [(circular["number"], circular["state"]) for circular in circulars] == [
        ("督办通报〔2026〕第1期", CircularState.PUBLISHED)
    ]
    assert Circular.objects.get().period_label == last_month.label

    assert "Supervision demo data created." in demo
    before = counts()
    output = StringIO()
    call_command("seed_demo_supervision", stdout=output)
    assert counts() == before
    assert "already there" in output.getvalue()


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
