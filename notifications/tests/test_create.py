"""Creating notifications: one per person and key, in their language, with a delivery per channel."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import services, tasks
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus, Notification, NotificationPreference
from notifications.services import Message, notifications_create, notifications_create_many
from notifications.tasks import deliver, deliver_pending

from .conftest import ping


def channels_of(user) -> list[str]:
    return sorted(Delivery.objects.filter(notification__recipient=user).values_list("channel", flat=True))


def test_it_renders_each_recipient_in_their_own_language(people):
    notifications_create(recipients=[people.alice, people.bob], message=ping())

    alices = Notification.objects.get(recipient=people.alice)
    bobs = Notification.objects.get(recipient=people.bob)
    assert (alices.subject, alices.body) == ("Today: Water", "Yes, Water needs you.")
    assert (bobs.subject, bobs.body) == ("今天: Water", "是, Water needs you.")


def test_it_renders_once_per_language_not_once_per_person(people):
    User = get_user_model()
    crowd = [User.objects.create_user(f"person{n}") for n in range(6)]
    NotificationPreference.objects.bulk_create(NotificationPreference(user=user, language="en") for user in crowd[:3])

    with mock.patch.object(services, "render_to_string", wraps=services.render_to_string) as render:
        notifications_create(recipients=crowd, message=ping())

    assert render.call_count == 4  # subject and body, in English and in Chinese
    assert Notification.objects.filter(subject="Today: Water").count() == 3
    assert Notification.objects.filter(subject="今天: Water").count() == 3


def test_it_creates_a_delivery_for_each_enabled_channel_and_none_for_the_inbox(people):
    people.webhook(people.carol, "https://hooks.example.com/huiyin")

    notifications_create(recipients=[people.alice, people.carol, people.dave], message=ping())

    assert Notification.objects.count() == 3
    assert channels_of(people.alice) == [DeliveryChannel.EMAIL]
    assert channels_of(people.carol) == [DeliveryChannel.WEBHOOK]
    assert channels_of(people.dave) == []
    delivery = Delivery.objects.get(notification__recipient=people.alice)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)


def test_it_creates_nothing_the_second_time_a_key_is_used(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as first_callbacks:
        first = notifications_create(recipients=[people.alice, people.bob], message=ping())
    with django_capture_on_commit_callbacks() as second_callbacks:
        second = notifications_create(recipients=[people.bob, people.alice, people.alice], message=ping())

    assert len(first) == 2
    assert second == []
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 2
    assert len(first_callbacks) == 1
    assert second_callbacks == []


def test_it_creates_only_the_missing_notifications_when_some_keys_exist(people):
    notifications_create(recipients=[people.alice], message=ping())

    created = notifications_create(recipients=[people.alice, people.bob], message=ping())

    assert [notification.recipient_id for notification in created] == [people.bob.pk]
    assert created[0].pk is not None
    assert Delivery.objects.filter(notification__recipient=people.alice).count() == 1
    assert channels_of(people.bob) == [DeliveryChannel.EMAIL]


def test_it_skips_inactive_people(people):
    people.bob.is_active = False

    created = notifications_create(recipients=[people.bob, None], message=ping())

    assert created == []
    assert not Notification.objects.exists()


def test_it_takes_as_many_queries_for_twenty_people_as_for_one(people):
    User = get_user_model()
    crowd = [User.objects.create_user(f"person{n}", f"person{n}@example.com") for n in range(20)]
    NotificationPreference.objects.bulk_create(
        NotificationPreference(
            user=user,
            language="en" if n % 2 else "zh-hans",
            webhook_enabled=n % 3 == 0,
            webhook_url="https://hooks.example.com/x",
        )
        for n, user in enumerate(crowd)
    )

    with CaptureQueriesContext(connection) as one:
        notifications_create(recipients=[people.alice], message=ping("one"))
    with CaptureQueriesContext(connection) as twenty:
        notifications_create(recipients=crowd, message=ping("twenty"))

    # Preferences, the insert, the deliveries and their ids; on SQLite also the keys taken before and a read of the
    # new ids after.
    assert len(one) == len(twenty) == (4 if connection.vendor == "postgresql" else 6)
    assert Delivery.objects.filter(notification__key__startswith="twenty:").count() == 20 + 7


def test_it_queues_the_deliveries_only_after_commit(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notifications_create(recipients=[people.alice], message=ping())

        assert mail.outbox == []
        assert Delivery.objects.get().status == DeliveryStatus.PENDING

    for callback in callbacks:
        callback()  # the commit; tasks run eagerly in tests

    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_it_queues_nothing_when_the_transaction_rolls_back(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notifications_create(recipients=[people.alice], message=ping())
            raise RuntimeError("the case transition failed")

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_it_keeps_the_delivery_for_the_outbox_when_the_broker_is_down(
    people, django_capture_on_commit_callbacks, monkeypatch, caplog, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    monkeypatch.setattr(deliver, "delay", mock.Mock(side_effect=OperationalError("Connection refused")))

    with django_capture_on_commit_callbacks(execute=True):
        created = notifications_create(recipients=[people.alice], message=ping())

    assert len(created) == 1
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert "the outbox task will send them" in caplog.text
    monkeypatch.undo()

    # The broker refused it, so it is not on its way: the next outbox run queues it at once.
    assert Delivery.objects.get().queued_at is None
    assert deliver_pending() == 1

    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_it_holds_a_reminder_until_its_time(people, django_capture_on_commit_callbacks, time_machine):
    night = timezone.now().replace(hour=23, minute=0)
    morning = night + timedelta(hours=9, minutes=30)
    time_machine.move_to(night, tick=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notifications_create(recipients=[people.alice], message=ping(not_before=morning))

    delivery = Delivery.objects.get()
    assert callbacks == []
    assert delivery.next_attempt_at == morning
    assert Notification.objects.get().visible_from == morning
    assert deliver_pending() == 0
    assert mail.outbox == []

    time_machine.move_to(morning, tick=False)
    assert deliver_pending() == 1

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_it_sends_at_once_when_not_before_has_passed(people, django_capture_on_commit_callbacks):
    earlier = timezone.now() - timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        notifications_create(recipients=[people.alice], message=ping(not_before=earlier))

    assert len(mail.outbox) == 1
    assert Notification.objects.get().visible_from > earlier


def test_it_stops_asking_a_refusing_broker_for_a_while(
    people, django_capture_on_commit_callbacks, monkeypatch, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    refusing = mock.Mock(side_effect=OperationalError("Connection refused"))
    monkeypatch.setattr(deliver, "delay", refusing)

    with django_capture_on_commit_callbacks(execute=True):
        notifications_create(recipients=[people.alice], message=ping(key="thing:1:first"))
    with django_capture_on_commit_callbacks(execute=True):
        notifications_create(recipients=[people.alice], message=ping(key="thing:1:second"))

    # One slow refusal, not one per request; both deliveries wait for the outbox, ready to go.
    assert refusing.call_count == 1
    assert list(Delivery.objects.values_list("queued_at", flat=True)) == [None, None]

    time_machine.shift(tasks.BROKER_RETRY_AFTER + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        notifications_create(recipients=[people.alice], message=ping(key="thing:1:third"))
    assert refusing.call_count == 2


def test_it_renders_a_kind_once_per_language_and_puts_in_each_messages_own_values(people):
    titles = ["Water", "100% {{ odd }} %(title)s", "电力"]
    messages = [
        Message(kind="ping", key=f"thing:{n}:ping", about=f"thing:{n}", fill={"title": title})
        for n, title in enumerate(titles)
    ]

    with mock.patch.object(services, "render_to_string", wraps=services.render_to_string) as render:
        notifications_create_many(items=[([people.alice, people.bob], message) for message in messages])

    assert render.call_count == 4  # subject and body, in English and in Chinese, for the three messages
    for n, title in enumerate(titles):
        alices = Notification.objects.get(recipient=people.alice, about=f"thing:{n}")
        bobs = Notification.objects.get(recipient=people.bob, about=f"thing:{n}")
        assert (alices.subject, alices.body) == (f"Today: {title}", f"Yes, {title} needs you.")
        assert (bobs.subject, bobs.body) == (f"今天: {title}", f"是, {title} needs you.")
