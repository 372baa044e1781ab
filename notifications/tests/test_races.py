"""Workers and callers at the same moment, with real threads and their own database connections.

``serialized_rollback`` restores the data migrations' rows, which the flush after a transactional
test would otherwise remove for the tests of other apps.
"""

import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection, transaction

from notifications.delivery import delivery_send
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.services import notifications_create
from notifications.tasks import deliver

from .conftest import ping

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WAIT_SECONDS = 60


def at_once(work: Callable[[], object], count: int) -> list[object]:
    """Run ``work`` in ``count`` threads released together; returns what each returned."""
    barrier = threading.Barrier(count, timeout=WAIT_SECONDS)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            result = work()
            with lock:
                results.append(result)
        except BaseException as error:  # a failed thread must fail the test, not vanish
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert not [thread for thread in threads if thread.is_alive()], "a worker hung"
    assert not errors, errors
    return results


def test_it_sends_once_when_four_workers_take_the_same_delivery(people, monkeypatch):
    monkeypatch.setattr(deliver, "delay", lambda delivery_id: None)  # the tasks are still on their way
    notifications_create(recipients=[people.alice], message=ping())
    delivery = Delivery.objects.get()

    results = at_once(lambda: delivery_send(delivery_id=delivery.pk), 4)

    assert sorted(results) == [False, False, False, True]
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_it_creates_one_notification_and_one_delivery_when_two_callers_use_one_key(people):
    def create() -> int:
        with transaction.atomic():
            return len(notifications_create(recipients=[people.alice], message=ping()))

    results = at_once(create, 2)

    assert sum(results) == 1
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1
