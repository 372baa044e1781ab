"""Webhooks against a real HTTP server on 127.0.0.1: generic signed JSON, WeCom and DingTalk robots."""

import base64
import hashlib
import hmac
import json
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import channels
from notifications.delivery import delivery_send
from notifications.models import Delivery, DeliveryStatus, NotificationPreference, WebhookFormat
from notifications.services import notifications_create
from notifications.tasks import deliver_pending

from .conftest import SECRET, ping


@pytest.fixture
def now(time_machine):
    moment = timezone.now().replace(microsecond=0)
    time_machine.move_to(moment, tick=False)
    return moment


def send_to_carol(people, receiver, form: str = WebhookFormat.GENERIC, path: str = "/hook", **kwargs) -> Delivery:
    """Carol has no e-mail address: her only delivery is the webhook."""
    people.webhook(people.carol, f"{receiver.url}{path}", form, **kwargs)
    notifications_create(recipients=[people.carol], message=ping())
    delivery = Delivery.objects.get()
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def test_it_posts_signed_json_that_the_receiver_can_verify(people, receiver, now):
    delivery = send_to_carol(people, receiver)

    assert delivery.status == DeliveryStatus.SENT
    (request,) = receiver.received
    assert receiver.signature_valid(request)
    assert not receiver.signature_valid(request, secret="someone else's")
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Huiyin-Delivery"] == str(delivery.pk)
    assert request.headers["X-Huiyin-Timestamp"] == str(int(now.timestamp()))
    notification = delivery.notification
    assert request.json == {
        "id": notification.pk,
        "delivery": delivery.pk,
        "key": notification.key,
        "kind": "ping",
        "subject": "今天: Water",
        "body": "是, Water needs you.",
        "link": "https://huiyin.example.gov.cn/things/1/",
        "about": "thing:1",
        "created_at": now.isoformat(),
    }


def test_it_sends_no_signature_without_a_secret(people, receiver):
    delivery = send_to_carol(people, receiver, secret="")

    assert delivery.status == DeliveryStatus.SENT
    assert "X-Huiyin-Signature" not in receiver.received[0].headers


def test_it_retries_after_a_server_error_and_sends_when_the_server_recovers(people, receiver, now, time_machine):
    receiver.answer((500, b"database is down"))

    delivery = send_to_carol(people, receiver)

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert "500" in delivery.last_error
    assert deliver_pending() == 0  # not yet due

    time_machine.shift(timedelta(minutes=1))
    assert deliver_pending() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["X-Huiyin-Delivery"] == second.headers["X-Huiyin-Delivery"] == str(delivery.pk)


@pytest.mark.parametrize("status", [429, 502, 503])
def test_it_retries_when_the_receiver_is_busy_or_broken(people, receiver, status):
    receiver.answer((status, b"later"))

    delivery = send_to_carol(people, receiver)

    assert delivery.status == DeliveryStatus.PENDING
    assert str(status) in delivery.last_error


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_it_gives_up_when_the_receiver_refuses(people, receiver, status):
    receiver.answer((status, b'{"error": "unknown hook"}'))

    delivery = send_to_carol(people, receiver)

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert str(status) in delivery.last_error
    assert "unknown hook" in delivery.last_error


def test_it_does_not_follow_a_redirect(people, receiver):
    receiver.answer((302, b""))

    delivery = send_to_carol(people, receiver)

    assert delivery.status == DeliveryStatus.FAILED
    assert "302" in delivery.last_error
    assert [request.path for request in receiver.received] == ["/hook"]


def test_it_retries_after_a_timeout(people, receiver, monkeypatch):
    monkeypatch.setattr(channels, "WEBHOOK_TIMEOUT", 0.2)
    receiver.hang = True

    delivery = send_to_carol(people, receiver)

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "timed out" in delivery.last_error


def test_it_retries_when_nothing_listens(people, receiver):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    people.webhook(people.carol, f"http://127.0.0.1:{port}/hook")
    notifications_create(recipients=[people.carol], message=ping())
    delivery = Delivery.objects.get()

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    # Recorded in the site's language, Chinese by default: "could not reach the receiver".
    assert "无法连接接收方" in delivery.last_error


def test_it_refuses_to_call_into_a_private_network(people, receiver, settings):
    settings.NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS = []

    delivery = send_to_carol(people, receiver)

    assert delivery.status == DeliveryStatus.FAILED
    # Recorded in the site's language, Chinese by default: "lies in a private network".
    assert "位于内网" in delivery.last_error
    assert receiver.received == []


def test_it_fails_when_the_recipient_turned_webhooks_off_meanwhile(people, receiver):
    people.webhook(people.carol, f"{receiver.url}/hook")
    notifications_create(recipients=[people.carol], message=ping())
    NotificationPreference.objects.filter(user=people.carol).update(webhook_enabled=False)
    delivery = Delivery.objects.get()

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert receiver.received == []


def test_it_posts_markdown_to_a_wecom_robot(people, receiver):
    delivery = send_to_carol(people, receiver, WebhookFormat.WECOM, path="/cgi-bin/webhook/send?key=abc")

    assert delivery.status == DeliveryStatus.SENT
    (request,) = receiver.received
    assert request.query == {"key": ["abc"]}
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**今天: Water**\n\n是, Water needs you.\n\n"
            "[在回音中查看](https://huiyin.example.gov.cn/things/1/)"
        },
    }


def test_it_posts_markdown_to_a_dingtalk_robot_with_its_signature(people, receiver, now):
    delivery = send_to_carol(people, receiver, WebhookFormat.DINGTALK, path="/robot/send?access_token=xyz")

    assert delivery.status == DeliveryStatus.SENT
    (request,) = receiver.received
    assert request.json["msgtype"] == "markdown"
    assert request.json["markdown"]["title"] == "今天: Water"
    assert request.json["markdown"]["text"].startswith("**今天: Water**\n\n是, Water needs you.")
    # Check the signature the way DingTalk documents it.
    timestamp = request.query["timestamp"][0]
    assert timestamp == str(int(now.timestamp() * 1000))
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"] == [expected]
    assert request.query["access_token"] == ["xyz"]


def test_it_leaves_an_unsigned_dingtalk_address_as_it_is(people, receiver):
    send_to_carol(people, receiver, WebhookFormat.DINGTALK, path="/robot/send?access_token=xyz", secret="")

    assert receiver.received[0].query == {"access_token": ["xyz"]}


@pytest.mark.parametrize(
    ("form", "errcode", "errmsg", "status"),
    [
        (WebhookFormat.WECOM, 93000, "invalid webhook url", DeliveryStatus.FAILED),
        (WebhookFormat.WECOM, 45009, "api freq out of limit", DeliveryStatus.PENDING),
        (WebhookFormat.DINGTALK, 310000, "sign not match", DeliveryStatus.FAILED),
        (WebhookFormat.DINGTALK, 130101, "send too fast", DeliveryStatus.PENDING),
    ],
)
def test_it_reads_the_errcode_of_a_robots_http_200(people, receiver, form, errcode, errmsg, status):
    receiver.answer((200, json.dumps({"errcode": errcode, "errmsg": errmsg}).encode()))

    delivery = send_to_carol(people, receiver, form)

    assert delivery.status == status
    assert errmsg in delivery.last_error
    assert str(errcode) in delivery.last_error


def test_it_retries_when_a_robot_answers_something_else_than_json(people, receiver):
    receiver.answer((200, b"<html>gateway</html>"))

    delivery = send_to_carol(people, receiver, WebhookFormat.WECOM)

    assert delivery.status == DeliveryStatus.PENDING
