"""The admin shows deliveries and lets staff retry failed ones; it never edits what the engine wrote."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from notifications.models import Delivery, DeliveryStatus
from notifications.services import notifications_create

from .conftest import ping


@pytest.fixture
def admin_client(people) -> Client:
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(root)
    return client


@pytest.fixture
def failed(people) -> Delivery:
    notifications_create(recipients=[people.alice], message=ping())
    Delivery.objects.update(status=DeliveryStatus.FAILED, attempts=6, last_error="mailbox full")
    return Delivery.objects.get()


@pytest.mark.parametrize(
    "page",
    ["/admin/notifications/delivery/", "/admin/notifications/notificationpreference/"],
)
def test_it_lists_deliveries_and_preferences(admin_client, failed, page):
    assert admin_client.get(page).status_code == 200
    assert admin_client.get(page, {"q": "alice"}).status_code == 200


def test_it_filters_deliveries_by_channel_and_status(admin_client, failed):
    page = admin_client.get("/admin/notifications/delivery/", {"channel": "email", "status": "failed"})

    assert page.status_code == 200
    assert "mailbox full" in page.content.decode()


def test_it_shows_the_deliveries_of_a_notification(admin_client, failed):
    page = admin_client.get(f"/admin/notifications/notification/{failed.notification_id}/change/")

    assert page.status_code == 200
    assert "mailbox full" in page.content.decode()


def test_it_retries_failed_deliveries_now(admin_client, failed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/notifications/delivery/",
            {"action": "retry_now", "_selected_action": [failed.pk]},
            follow=True,
        )

    assert "1 delivery will be retried now." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SENT, 1)
    assert len(mail.outbox) == 1


def test_it_leaves_deliveries_that_did_not_fail_alone(admin_client, failed):
    Delivery.objects.update(status=DeliveryStatus.SENT)

    admin_client.post("/admin/notifications/delivery/", {"action": "retry_now", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SENT, 6)
