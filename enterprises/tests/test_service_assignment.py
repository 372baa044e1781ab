import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from enterprises.models import ServiceAssignment
from enterprises.services import service_assignment_change


def test_it_keeps_the_history_when_the_serving_cadre_changes(district):
    service_assignment_change(enterprise=district.yixin, unit=district.commerce, cadre=district.dave, note="调整包联")
    periods = list(ServiceAssignment.objects.filter(enterprise=district.yixin).order_by("started_at", "id"))
    assert [period.cadre for period in periods] == [district.carol, district.dave]
    assert periods[0].ended_at is not None
    assert periods[1].ended_at is None


def test_it_routes_new_cases_to_the_new_cadre_after_a_change(district):
    service_assignment_change(enterprise=district.yixin, unit=district.commerce, cadre=district.dave)
    response = district.client(district.alice).post(
        "/api/v1/cases/",
        {"category": district.infrastructure.pk, "title": "用地问题", "description": "扩产用地尚未落实"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["assignee"]["username"] == "dave"
    assert response.json()["responsible_unit"]["id"] == district.commerce.pk


@pytest.mark.django_db
def test_it_adds_a_period_through_the_admin_without_losing_the_old_one(district):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/enterprises/serviceassignment/add/",
        {"enterprise": district.yixin.pk, "unit": district.commerce.pk, "cadre": district.dave.pk, "note": "换人"},
    )
    assert response.status_code == 302
    current = ServiceAssignment.objects.get(enterprise=district.yixin, ended_at__isnull=True)
    assert current.cadre == district.dave
    assert current.changed_by == admin
    assert ServiceAssignment.objects.filter(enterprise=district.yixin).count() == 2
