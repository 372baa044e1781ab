"""The in-app inbox: each user reads and marks only their own notifications."""

import pytest

from notifications.models import Notification
from notifications.services import Message, notifications_create
from workflow import services


def file_case(district, title="原料供应不足"):
    """Alice files for Yixin; the case routes itself to carol, who gets a case_assigned notification."""
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.financing,
        title=title,
        description="急需协调原料供应",
    )


def reply(district, case, body="已联系供应商，请提供采购清单"):
    return services.comment_add(case=case, acting_user=district.carol, body=body)


def unread(client) -> int:
    return client.get("/api/v1/notifications/unread-count/").json()["unread"]


@pytest.fixture
def inboxes(district):
    """Carol has one notification (the case), alice two (carol's two replies)."""
    case = file_case(district)
    reply(district, case, "第一次答复")
    reply(district, case, "第二次答复")
    return case


def test_it_lists_only_the_users_own_notifications(district, inboxes):
    response = district.client(district.alice).get("/api/v1/notifications/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 2
    assert {row["kind"] for row in rows} == {"case_replied"}
    assert set(Notification.objects.filter(pk__in=[row["id"] for row in rows]).values_list("recipient", flat=True)) == {
        district.alice.pk
    }


def test_it_shows_the_newest_notification_first(district, inboxes):
    rows = district.client(district.alice).get("/api/v1/notifications/").json()["results"]

    assert "第二次答复" in rows[0]["body"]
    assert "第一次答复" in rows[1]["body"]
    assert rows[0]["link"] == f"/api/v1/cases/{inboxes.pk}/"
    assert rows[0]["about"] == f"case:{inboxes.pk}"


def test_it_shows_an_empty_inbox_to_someone_without_notifications(district, inboxes):
    client = district.client(district.bob)

    assert client.get("/api/v1/notifications/").json()["results"] == []
    assert unread(client) == 0


def test_it_counts_unread_notifications(district, inboxes):
    assert unread(district.client(district.alice)) == 2
    assert unread(district.client(district.carol)) == 1


def test_it_marks_one_notification_read(district, inboxes):
    client = district.client(district.alice)
    first, second = client.get("/api/v1/notifications/").json()["results"]

    response = client.post(f"/api/v1/notifications/{first['id']}/read/")

    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert unread(client) == 1
    assert Notification.objects.get(pk=second["id"]).read_at is None


def test_it_keeps_the_first_read_time_when_read_again(district, inboxes):
    client = district.client(district.alice)
    notification_id = client.get("/api/v1/notifications/").json()["results"][0]["id"]
    first = client.post(f"/api/v1/notifications/{notification_id}/read/").json()["read_at"]

    again = client.post(f"/api/v1/notifications/{notification_id}/read/")

    assert again.status_code == 200
    assert again.json()["read_at"] == first


def test_it_filters_unread_notifications(district, inboxes):
    client = district.client(district.alice)
    first = client.get("/api/v1/notifications/").json()["results"][0]
    client.post(f"/api/v1/notifications/{first['id']}/read/")

    rows = client.get("/api/v1/notifications/", {"read_at__isnull": "true"}).json()["results"]

    assert len(rows) == 1
    assert rows[0]["id"] != first["id"]


def test_it_marks_all_of_the_users_notifications_read_and_no_one_elses(district, inboxes):
    client = district.client(district.alice)

    response = client.post("/api/v1/notifications/read-all/")

    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert unread(client) == 0
    assert unread(district.client(district.carol)) == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}


def test_it_answers_404_for_another_users_notification(district, inboxes):
    carols = Notification.objects.get(recipient=district.carol)
    client = district.client(district.alice)

    read = client.post(f"/api/v1/notifications/{carols.pk}/read/")
    detail = client.get(f"/api/v1/notifications/{carols.pk}/")

    assert read.status_code == 404
    assert read.json()["code"] == "not_found"
    assert detail.status_code == 404
    assert carols.subject not in detail.content.decode()
    carols.refresh_from_db()
    assert carols.read_at is None


def test_it_answers_404_for_a_notification_that_does_not_exist(district, inboxes):
    response = district.client(district.alice).post("/api/v1/notifications/999999/read/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_does_not_duplicate_a_notification_created_twice(district):
    message = Message(kind="case_replied", key="case:1:test", context={"case": None, "author": "x", "body": "y"})

    notifications_create(recipients=[district.alice], message=message)
    notifications_create(recipients=[district.alice, district.alice], message=message)

    assert Notification.objects.filter(recipient=district.alice).count() == 1


def test_it_requires_login(district):
    response = district.client().get("/api/v1/notifications/unread-count/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
