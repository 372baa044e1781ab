"""The delivery engine: claim, send outside any transaction, record; retry only what may pass later."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications.channels import CHANNELS, PermanentError, TransientError
from notifications.delivery import deliveries_reclaim_stuck, delivery_claim, delivery_send, sending_timeout
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus, NotificationPreference
from notifications.selectors import deliveries_due
from notifications.services import notifications_create
from notifications.tasks import deliver, deliver_pending, queue_lease

from .conftest import ping


@pytest.fixture
def now(time_machine):
    moment = timezone.now().replace(microsecond=0)
    time_machine.move_to(moment, tick=False)
    return moment


def email_delivery(people, key: str = "thing:1:ping") -> Delivery:
    notifications_create(recipients=[people.alice], message=ping(key))
    return Delivery.objects.get(notification__key=f"{key}:{people.alice.pk}")


class Failing:
    """A channel that fails the way it is told, and counts its calls."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def send(self, delivery: Delivery) -> None:
        self.calls += 1
        raise self.error


@pytest.fixture
def failing(monkeypatch):
    def install(error: Exception) -> Failing:
        channel = Failing(error)
        monkeypatch.setitem(CHANNELS, DeliveryChannel.EMAIL, channel)
        return channel

    return install


def test_it_lets_only_one_worker_claim_a_delivery(people, now):
    delivery = email_delivery(people)

    assert delivery_claim(delivery_id=delivery.pk, now=now) is True
    assert delivery_claim(delivery_id=delivery.pk, now=now) is False

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_at) == (DeliveryStatus.SENDING, 1, now)


def test_it_does_not_claim_a_delivery_before_it_is_due(people, now):
    delivery = email_delivery(people)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(minutes=1))

    assert delivery_claim(delivery_id=delivery.pk, now=now) is False
    assert deliveries_due(now=now, limit=10) == []


def test_it_sends_an_email_in_the_recipients_language(people, now):
    delivery = email_delivery(people)

    assert delivery_send(delivery_id=delivery.pk) is True

    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Today: Water"
    assert message.body.startswith("Yes, Water needs you.")
    assert "https://huiyin.example.gov.cn/things/1/" in message.body
    assert message.extra_headers["X-Huiyin-Delivery"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_at, delivery.last_error) == (DeliveryStatus.SENT, now, "")


def test_it_sends_bob_his_email_in_chinese(people):
    notifications_create(recipients=[people.bob], message=ping())

    delivery_send(delivery_id=Delivery.objects.get().pk)

    assert mail.outbox[0].subject == "今天: Water"
    assert mail.outbox[0].body.startswith("是, Water needs you.")


def test_it_does_not_send_twice(people):
    delivery = email_delivery(people)

    assert delivery_send(delivery_id=delivery.pk) is True
    assert delivery_send(delivery_id=delivery.pk) is False
    assert deliver(delivery.pk) is False

    assert len(mail.outbox) == 1


def test_it_retries_a_transient_error_a_minute_later(people, now, failing):
    delivery = email_delivery(people)
    failing(TransientError("connection reset"))

    assert delivery_send(delivery_id=delivery.pk) is False

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert delivery.last_error == "connection reset"
    assert delivery.queued_at is None


def test_it_waits_longer_after_each_failure(people, now, failing, time_machine):
    delivery = email_delivery(people)
    failing(TransientError("timed out"))
    pauses = []

    for _attempt in range(5):
        time_machine.move_to(Delivery.objects.get(pk=delivery.pk).next_attempt_at, tick=False)
        started = timezone.now()
        delivery_send(delivery_id=delivery.pk)
        pauses.append(Delivery.objects.get(pk=delivery.pk).next_attempt_at - started)

    assert pauses == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]


def test_it_fails_a_permanent_error_at_once(people, now, failing):
    delivery = email_delivery(people)
    channel = failing(PermanentError("mailbox does not exist"))

    delivery_send(delivery_id=delivery.pk)

    assert deliveries_due(now=now + timedelta(days=1), limit=10) == []

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        1,
        "mailbox does not exist",
    )
    assert channel.calls == 1


def test_it_gives_up_after_the_last_attempt(people, now, failing, settings, time_machine):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    delivery = email_delivery(people)
    channel = failing(TransientError("503 from the server"))

    for _attempt in range(5):
        time_machine.shift(timedelta(hours=1))
        delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.FAILED,
        3,
        "503 from the server",
    )
    assert channel.calls == 3


def test_it_retries_an_unexpected_error_like_a_transient_one(people, now, failing):
    delivery = email_delivery(people)
    failing(KeyError("a bug"))

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert "a bug" in delivery.last_error


def test_it_fails_a_delivery_to_someone_deactivated_since(people, now):
    delivery = email_delivery(people)
    people.alice.is_active = False
    people.alice.save()

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert mail.outbox == []


def test_it_fails_an_email_when_the_address_is_gone(people, now):
    delivery = email_delivery(people)
    people.alice.email = ""
    people.alice.save()

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "接收人未设置邮箱地址。"  # errors are recorded in the site's language


def test_it_fails_an_email_when_the_recipient_turned_email_off_meanwhile(people, now):
    delivery = email_delivery(people)
    NotificationPreference.objects.filter(user=people.alice).update(email_enabled=False)

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "接收人已关闭邮件通知。")
    assert mail.outbox == []


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that answers with the error in ``error``."""

    error: Exception

    def send_messages(self, email_messages):
        raise self.error


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (smtplib.SMTPRecipientsRefused({"alice@example.com": (550, b"No such user")}), DeliveryStatus.FAILED),
        (smtplib.SMTPRecipientsRefused({"alice@example.com": (450, b"Mailbox busy")}), DeliveryStatus.PENDING),
        (smtplib.SMTPDataError(554, b"Message rejected as spam"), DeliveryStatus.FAILED),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), DeliveryStatus.PENDING),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), DeliveryStatus.PENDING),
        (ConnectionRefusedError(111, "Connection refused"), DeliveryStatus.PENDING),
        (TimeoutError("timed out"), DeliveryStatus.PENDING),
    ],
)
def test_it_tells_mail_server_errors_worth_retrying_from_final_ones(people, now, settings, error, status):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.error = error
    delivery = email_delivery(people)

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == status
    assert delivery.last_error


def test_it_puts_back_a_delivery_whose_worker_died_while_sending(people, now, time_machine):
    delivery = email_delivery(people)
    delivery_claim(delivery_id=delivery.pk, now=now)  # ... and the worker is killed

    time_machine.shift(sending_timeout() - timedelta(seconds=1))
    assert deliveries_reclaim_stuck(now=timezone.now()) == 0
    time_machine.shift(timedelta(seconds=2))
    assert deliver_pending() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_it_fails_a_stuck_delivery_that_has_no_attempts_left(people, now, settings, time_machine):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    delivery = email_delivery(people)
    delivery_claim(delivery_id=delivery.pk, now=now)

    time_machine.shift(sending_timeout() + timedelta(seconds=1))
    assert deliveries_reclaim_stuck(now=timezone.now()) == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "负责发送的后台进程已中断，且重试次数已用完。"


def test_it_does_not_record_over_a_delivery_another_worker_took_over(people, now, monkeypatch, time_machine):
    delivery = email_delivery(people)

    class Slow:
        """Takes so long that the outbox presumes this worker dead and a second worker claims the row."""

        def send(self, delivery: Delivery) -> None:
            time_machine.shift(sending_timeout() + timedelta(minutes=1))
            deliveries_reclaim_stuck(now=timezone.now())
            assert delivery_claim(delivery_id=delivery.pk, now=timezone.now())

    monkeypatch.setitem(CHANNELS, DeliveryChannel.EMAIL, Slow())

    delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 2)
    assert delivery.claimed_at == timezone.now()


def test_it_queues_again_within_two_minutes_a_delivery_whose_task_was_lost(people, now, time_machine):
    delivery = email_delivery(people)  # queued at commit, and the broker restarts and forgets the task

    time_machine.shift(timedelta(seconds=119))
    assert deliver_pending() == 0  # a task this recent may still be on its way to a worker
    time_machine.shift(timedelta(seconds=2))
    assert deliver_pending() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert len(mail.outbox) == 1


def test_it_queues_at_most_a_batch_per_outbox_run(people, now, monkeypatch, time_machine):
    monkeypatch.setattr("notifications.tasks.OUTBOX_BATCH", 2)
    for n in range(3):
        email_delivery(people, key=f"thing:{n}:ping")
    time_machine.shift(queue_lease() + timedelta(seconds=1))  # their tasks never arrived

    assert deliver_pending() == 2
    assert deliver_pending() == 1
    assert deliver_pending() == 0
    assert len(mail.outbox) == 3
