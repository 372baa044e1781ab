import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cases.models import AppendOnlyError, CaseEvent, CaseState
from workflow import services


@pytest.fixture
def admin_client(district) -> Client:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def filed_case(district):
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="专用电力线缆增容",
        description="新生产线投产后园区线路容量不足",
    )


def test_it_refuses_to_change_or_delete_an_event_row(filed_case):
    event = CaseEvent.objects.filter(case=filed_case).first()
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=filed_case).update(note="rewritten")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=filed_case).delete()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_it_shows_the_case_state_read_only_in_the_admin(admin_client, filed_case):
    page = admin_client.get(f"/admin/cases/case/{filed_case.pk}/change/")
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()
    admin_client.post(f"/admin/cases/case/{filed_case.pk}/change/", {"title": "x", "state": "closed"})
    filed_case.refresh_from_db()
    assert filed_case.state == CaseState.ASSIGNED


def test_it_offers_no_way_to_edit_or_delete_events_in_the_admin(admin_client, filed_case):
    event = CaseEvent.objects.filter(case=filed_case).first()
    assert admin_client.get("/admin/cases/caseevent/").status_code == 200
    assert admin_client.get(f"/admin/cases/caseevent/{event.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/cases/caseevent/{event.pk}/change/", {"note": "rewritten"})
    assert CaseEvent.objects.get(pk=event.pk).note == ""
    assert admin_client.get("/admin/cases/caseevent/add/").status_code == 403


@pytest.mark.parametrize(
    "page",
    [
        "/admin/cases/case/",
        "/admin/cases/category/",
        "/admin/cases/comment/",
        "/admin/cases/attachment/",
        "/admin/enterprises/enterprise/",
        "/admin/enterprises/unit/",
        "/admin/enterprises/unitmembership/",
        "/admin/enterprises/enterprisecontact/",
        "/admin/enterprises/serviceassignment/",
        "/admin/notifications/notification/",
    ],
)
def test_it_lists_every_model_in_the_admin(admin_client, filed_case, page):
    assert admin_client.get(page).status_code == 200
    assert admin_client.get(page, {"q": "亿鑫"}).status_code == 200
