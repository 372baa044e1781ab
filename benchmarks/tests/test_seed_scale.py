from collections import Counter
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Q

from benchmarks.dataset import Shape
from cases.models import Case, CaseEvent, CaseState, EventAction, UrgingLevel
from enterprises.models import Enterprise, EnterpriseContact, Role, ServiceAssignment, UnitMembership
from supervision.ratings.models import Rectification
from workflow.models import ClockKind, DeadlineCycle

AS_OF = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def seed(cases: int = 300, **options) -> str:
    out = StringIO()
    call_command("seed_scale", cases=cases, as_of=AS_OF.isoformat(), stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_it_builds_a_district_whose_cases_follow_the_workflow():
    seed()

    states = Counter(Case.objects.values_list("state", flat=True))
    assert sum(states.values()) == 300
    assert states[CaseState.CLOSED] > states[CaseState.ASSIGNED] > states[CaseState.OPENED] > 0
    assert states[CaseState.RESOLVED] > 0
    assert not Case.objects.filter(state__in=[CaseState.ASSIGNED, CaseState.RESOLVED], assignee=None).exists()
    # Every case was filed, and numbered in the order it was filed.
    assert CaseEvent.objects.filter(action=EventAction.FILE).count() == 300
    filed = list(Case.objects.order_by("id").values_list("filed_at", flat=True))
    assert filed == sorted(filed)
    assert not CaseEvent.objects.filter(created_at__gt=AS_OF).exists()
    # About 4.4 clocks a case, one running per kind at most (the constraint), none with a reminder already due.
    assert 4.0 < DeadlineCycle.objects.count() / 300 < 5.0
    running = DeadlineCycle.objects.filter(ended_at__isnull=True)
    assert not running.filter(remind_at__lte=AS_OF).exists()
    assert running.filter(kind=ClockKind.RESOLUTION).count() == states[CaseState.ASSIGNED]
    assert running.filter(kind=ClockKind.CONFIRMATION).count() == states[CaseState.RESOLVED]
    # The case rows mirror their running clocks.
    for case in Case.objects.filter(state=CaseState.ASSIGNED):
        clock = running.get(case=case, kind=ClockKind.RESOLUTION)
        assert case.resolution_due_at == clock.due_at
    overdue = Case.objects.filter(state=CaseState.ASSIGNED, resolution_due_at__lt=AS_OF)
    assert overdue.exists()
    assert not Case.objects.filter(state=CaseState.RESOLVED, confirmation_due_at__lte=AS_OF).exists()
    # What the sweep would have done by now: urged cases three working days late, closed unanswered ones.
    assert Case.objects.filter(urging_level__gte=UrgingLevel.URGED).exists()
    assert not Case.objects.filter(~Q(state=CaseState.ASSIGNED), urging_level__gt=0).exists()


@pytest.mark.django_db
def test_it_gives_every_enterprise_its_service_and_every_role_its_people():
    seed()

    shape = Shape.for_cases(300)
    assert Enterprise.objects.count() == shape.enterprises
    assert ServiceAssignment.objects.filter(ended_at__isnull=True).count() == shape.enterprises
    assert EnterpriseContact.objects.count() == shape.enterprises
    roles = dict(UnitMembership.objects.values_list("role").annotate(n=Count("id")))
    assert roles[Role.CADRE] == shape.cadres
    assert roles[Role.DISPATCHER] >= 2
    assert UnitMembership.objects.filter(role=Role.SUPERVISOR, jurisdiction__parent__isnull=True).exists()
    assert roles[Role.LEADER] >= 3
    # Bad ratings open rectifications of the unit that answered.
    for rectification in Rectification.objects.select_related("case"):
        assert rectification.case.satisfaction <= 2
        assert rectification.unit_id == rectification.case.responsible_unit_id


@pytest.mark.django_db
def test_it_refuses_a_database_that_already_has_cases():
    seed(cases=20)

    with pytest.raises(CommandError, match="already has cases"):
        seed(cases=20)
    seed(cases=20, force=True)

    assert Case.objects.count() == 40
    assert Case.objects.values("number").distinct().count() == 40


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the limit is SQLite's")
@pytest.mark.django_db
def test_it_refuses_a_province_on_sqlite_without_force():
    with pytest.raises(CommandError, match="use PostgreSQL"):
        seed(cases=1_000_000)
