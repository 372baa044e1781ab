"""GET/PUT/PATCH /api/v1/notifications/preferences/: each person's own channels and language."""

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification, NotificationPreference, WebhookFormat
from notifications.services import notifications_create

from .conftest import ping

URL = "/api/v1/notifications/preferences/"


def client_for(user) -> APIClient:
    """Asks in English, so that the refusals below can be read against their source text."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=user)
    return client


def test_it_shows_the_defaults_without_saving_them(people):
    response = client_for(people.bob).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "email_enabled": True,
        "webhook_enabled": False,
        "webhook_url": "",
        "webhook_format": "generic",
        "webhook_secret_set": False,
        "language": "zh-hans",
    }
    assert not NotificationPreference.objects.filter(user=people.bob).exists()


def test_it_leaves_email_off_by_default_for_someone_without_an_address(people):
    assert client_for(people.carol).get(URL).json()["email_enabled"] is False


def test_it_shows_alice_her_own_choices(people):
    assert client_for(people.alice).get(URL).json()["language"] == "en"


def test_it_saves_a_webhook_and_never_shows_the_secret_again(people):
    response = client_for(people.bob).put(
        URL,
        {
            "email_enabled": False,
            "webhook_enabled": True,
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "webhook_format": "wecom",
            "webhook_secret": "bobs-secret",
            "language": "en",
        },
        format="json",
    )

    assert response.status_code == 200
    assert "webhook_secret" not in response.json()
    assert response.json()["webhook_secret_set"] is True
    saved = NotificationPreference.objects.get(user=people.bob)
    assert (saved.email_enabled, saved.webhook_enabled, saved.webhook_format, saved.webhook_secret) == (
        False,
        True,
        WebhookFormat.WECOM,
        "bobs-secret",
    )


def test_it_changes_only_what_a_patch_names(people):
    response = client_for(people.alice).patch(URL, {"email_enabled": False}, format="json")

    assert response.status_code == 200
    saved = NotificationPreference.objects.get(user=people.alice)
    assert (saved.email_enabled, saved.language) == (False, "en")


def test_it_creates_the_row_on_the_first_change_with_the_defaults(people):
    response = client_for(people.bob).patch(URL, {"language": "en"}, format="json")

    assert response.status_code == 200
    saved = NotificationPreference.objects.get(user=people.bob)
    assert (saved.language, saved.email_enabled, saved.webhook_enabled) == ("en", True, False)


def test_it_writes_later_notifications_in_the_newly_chosen_language(people):
    client_for(people.bob).patch(URL, {"language": "en"}, format="json")

    notifications_create(recipients=[people.bob], message=ping())

    assert Notification.objects.get(recipient=people.bob).subject == "Today: Water"


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/x", "file:///etc/passwd", "javascript:alert(1)", "hooks.example.com/x", "https://"],
)
def test_it_refuses_an_address_that_is_not_http_or_https(people, url):
    response = client_for(people.bob).patch(URL, {"webhook_url": url}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"]["webhook_url"] == ["Enter an http:// or https:// address."]
    assert not NotificationPreference.objects.filter(user=people.bob).exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/", "http://10.0.0.5/hook", "http://[::1]/hook"])
def test_it_refuses_a_private_network_address(people, url):
    response = client_for(people.bob).patch(URL, {"webhook_url": url}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["webhook_url"] == ["Webhooks cannot be sent to a private network address."]


def test_it_accepts_a_private_address_the_operator_allowed(people, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    response = client_for(people.bob).patch(URL, {"webhook_url": "http://10.0.0.5/hook"}, format="json")

    assert response.status_code == 200


def test_it_refuses_to_turn_webhooks_on_without_an_address(people):
    response = client_for(people.bob).patch(URL, {"webhook_enabled": True}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["webhook_url"] == ["Enter the webhook address before turning webhooks on."]


def test_it_refuses_an_unknown_language_or_format(people):
    response = client_for(people.bob).patch(URL, {"language": "fr", "webhook_format": "slack"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"language", "webhook_format"}


def test_it_requires_login(db):
    response = APIClient().get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
