"""The demo seed: accounts that log in, cases in every state, and a second run that changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState, Category, Closure, Comment
from enterprises.credit_code import validate_credit_code
from enterprises.models import Enterprise, EnterpriseContact, KeyProject, Role, ServiceAssignment, Unit, UnitMembership
from notifications.models import Notification
from workflow.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from workflow.models import ClockPause, PauseEnd, PauseState

User = get_user_model()

COUNTED_MODELS = (
    User,
    Unit,
    UnitMembership,
    Enterprise,
    EnterpriseContact,
    ServiceAssignment,
    Case,
    CaseEvent,
    Comment,
    Notification,
)


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds) and roll it back afterwards; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--quiet")
        yield
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def only_enterprise_of(username: str) -> int:
    return EnterpriseContact.objects.values_list("enterprise_id", flat=True).get(user__username=username)


def only_unit_of(username: str, role: str) -> int:
    return UnitMembership.objects.values_list("unit_id", flat=True).get(user__username=username, role=role)


@pytest.mark.django_db
def test_it_creates_demo_accounts_that_log_in_with_the_demo_password():
    for account in DEMO_ACCOUNTS:
        # With a request, as django-axes requires of every password check.
        user = authenticate(HttpRequest(), username=account.username, password=DEMO_PASSWORD)
        assert user is not None, account.username
        assert user.first_name == account.name
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


@pytest.mark.django_db
def test_it_puts_cases_in_every_state():
    for state in CaseState.values:
        assert Case.objects.filter(state=state).exists(), state
    for closure in (Closure.CONFIRMED, Closure.BY_SUPERVISOR, Closure.WITHDRAWN):
        assert Case.objects.filter(closure=closure).exists(), closure
    assert Case.objects.filter(state=CaseState.OPENED, sent_back_at__isnull=False).exists()
    assert Case.objects.filter(state=CaseState.ASSIGNED, enterprise_reopen_count__gt=0).exists()
    assert {rating for rating in Case.objects.values_list("satisfaction", flat=True) if rating} == {1, 2, 3, 4, 5}
    assert Case.objects.filter(state=CaseState.ASSIGNED, resolution_due_at__gt=timezone.now()).exists()


@pytest.mark.django_db
def test_it_uses_all_seven_categories():
    assert set(Case.objects.values_list("category__code", flat=True)) == set(
        Category.objects.values_list("code", flat=True)
    )


@pytest.mark.django_db
def test_it_gives_the_two_enterprise_accounts_different_enterprises():
    assert only_enterprise_of("enterprise") != only_enterprise_of("enterprise2")


@pytest.mark.django_db
def test_it_puts_the_two_cadres_in_different_units_and_the_unit_head_over_cadre():
    assert only_unit_of("cadre", Role.CADRE) != only_unit_of("cadre2", Role.CADRE)
    assert only_unit_of("unithead", Role.UNIT_HEAD) == only_unit_of("cadre", Role.CADRE)


@pytest.mark.django_db
def test_it_gives_every_enterprise_a_valid_code_a_contact_and_a_current_service_assignment():
    for enterprise in Enterprise.objects.all():
        validate_credit_code(enterprise.credit_code)
        assert enterprise.contacts.exists(), enterprise.name
        assert enterprise.service_assignments.filter(ended_at__isnull=True).count() == 1, enterprise.name


@pytest.mark.django_db
def test_it_changes_nothing_when_run_a_second_time():
    before = counts()

    output = StringIO()
    call_command("seed_demo", stdout=output)

    assert counts() == before
    assert "already there" in output.getvalue()


@pytest.mark.django_db
def test_it_refuses_to_seed_over_part_of_a_demo():
    User.objects.filter(username="admin").delete()

    with pytest.raises(CommandError, match="already exist"):
        call_command("seed_demo", "--quiet")


@pytest.mark.django_db
def test_it_routes_a_case_filed_by_enterprise_to_cadre():
    client = APIClient()
    client.force_authenticate(user=User.objects.get(username="enterprise"))

    response = client.post(
        "/api/v1/cases/",
        {
            "category": Category.objects.get(code="infrastructure").pk,
            "title": "厂区围墙外路灯不亮",
            "description": "厂区东侧道路路灯损坏一个多月，夜班职工上下班不安全。",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["state"] == CaseState.ASSIGNED
    assert response.data["assignee"]["username"] == "cadre"


@pytest.mark.django_db
def test_it_gives_the_demo_leader_key_projects_with_one_task_force_short_of_five():
    projects = KeyProject.objects.filter(leader__username="leader").annotate(seats=Count("task_force"))
    assert sorted(project.seats for project in projects) == [2, 5]


@pytest.mark.django_db
def test_it_shows_pauses_waiting_for_material_answered_and_beyond_the_limits():
    running = ClockPause.objects.filter(state=PauseState.RUNNING)
    assert running.exists()
    assert all(pause.case.paused_until == pause.due_at > timezone.now() for pause in running)
    assert ClockPause.objects.filter(state=PauseState.ENDED, ended_how=PauseEnd.ENTERPRISE_REPLY).exists()
    assert ClockPause.objects.filter(state=PauseState.REQUESTED, needs_approval=True).exists()
    assert running.filter(case__enterprise_id=only_enterprise_of("enterprise")).exists()
