"""End to end with a real Redis server and real Celery worker processes started by this module.

Nothing is mocked between a service call and the outside world here: the test process commits,
publishes to its own private Redis, a ``celery worker`` process (prefork, two pool processes) picks
the task up, reads and writes the same test database, writes e-mail files and calls a webhook
receiver on 127.0.0.1. The workers run on the real clock, with shortened timeouts (see
the ``workers`` fixture in ``celery_harness``) so that recovery takes seconds instead of minutes.

What must hold: a reminder arrives exactly once when two sweeps run at the same time; a
notification is delivered after the worker sending it is killed with SIGKILL mid-request; a
webhook in flight when Redis goes down arrives once, and the worker survives; the enterprise's
notification arrives after Redis was down when its case was resolved, and after a restart of Redis
lost its task; a webhook that fails once is retried by the worker.
"""

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from cases.models import Case, CaseState, ResolutionType
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus, Notification, NotificationPreference
from notifications.tasks import deliver_pending
from workflow import services
from workflow.models import CalendarDay, ClockKind, DeadlineCycle
from workflow.selectors import work_calendar
from workflow.tasks import sweep_deadlines

from .celery_harness import (  # noqa: F401 - the fixtures broker, mailbox, receiver, redis_server, workers
    WAIT,
    Receiver,
    Worker,
    broker_fixture,
    mailbox_fixture,
    receiver_fixture,
    redeliver_unacknowledged,
    redis_server_fixture,
    wait_for,
    workers_fixture,
)
from .helpers import assigned_case, case_url, reload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SECRET = "e2e-webhook-secret"
SWEEP = "workflow.tasks.sweep_deadlines"
DELIVER = "notifications.tasks.deliver"
ALL_DAY = "00:00-23:59"
SUCCEEDED = re.compile(r"^\[(?P<at>[\d-]+ [\d:,]+): \w+/(?P<process>[\w-]+)\] .* succeeded in (?P<seconds>[\d.e-]+)s")


@pytest.fixture
def working_now():
    """Working time right now, whatever the day and hour CI runs at: the day is made a working day
    and working hours last all day, here and (through its environment) in the workers."""
    local = timezone.localtime()
    if local.hour == 23 and local.minute >= 58:
        # 23:59 is already after hours; wait (at most two minutes) for the next day.
        time.sleep((local.replace(hour=23, minute=59, second=59) - local).total_seconds() + 2)
        local = timezone.localtime()
    for day in (local.date(), local.date() + timedelta(days=1)):
        CalendarDay.objects.update_or_create(date=day, defaults={"is_workday": True, "name": "test"})
    with override_settings(HUIYIN={**settings.HUIYIN, "WORKING_HOURS": ALL_DAY}):
        assert work_calendar().is_working_time(timezone.now())
        yield timezone.now()


@pytest.fixture
def webhooks_to_localhost():
    with override_settings(NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS=["127.0.0.0/8"]):
        yield


def resolve(district, case: Case) -> Case:
    return services.case_resolve(
        case=case, acting_user=district.carol, resolution_type=ResolutionType.SOLVED, reply="已协调交通局修复道路。"
    )


def webhook_for(user, receiver: Receiver) -> None:
    NotificationPreference.objects.create(
        user=user, webhook_enabled=True, webhook_url=f"{receiver.url}/hook", webhook_secret=SECRET
    )


def give_email(user, address: str) -> None:
    get_user_model().objects.filter(pk=user.pk).update(email=address)


def only_delivery(user, kind: str) -> Delivery:
    (delivery,) = Delivery.objects.filter(notification__recipient=user, notification__kind=kind)
    return delivery


def delivery_status(delivery: Delivery) -> str:
    return Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)


def sent(delivery: Delivery) -> bool:
    return delivery_status(delivery) == DeliveryStatus.SENT


def deliveries_settled(worker: Worker) -> bool:
    """Every delivery task the worker received has finished."""
    received = len(worker.task_lines(DELIVER, "received"))
    return received == len(worker.task_lines(DELIVER, "succeeded")) + len(worker.task_lines(DELIVER, "failed"))


@dataclass(frozen=True)
class Run:
    process: str
    start: datetime
    end: datetime


def run_of(line: str) -> Run:
    """When a task ran and in which pool process, from its "succeeded in" log line."""
    match = SUCCEEDED.match(line)
    assert match, line
    end = datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007 - both ends in the log's time
    return Run(match["process"], end - timedelta(seconds=float(match["seconds"])), end)


def test_it_reminds_exactly_once_when_two_sweeps_run_at_the_same_time(district, working_now, workers, mailbox):
    case = assigned_case(district)
    give_email(district.carol, "carol@example.com")
    # The response clock (sign for within a working day) ran out an hour ago: its overdue step is due.
    an_hour_ago = working_now - timedelta(hours=1)
    updated = DeadlineCycle.objects.filter(case=case, kind=ClockKind.RESPONSE, ended_at__isnull=True).update(
        started_at=an_hour_ago - timedelta(days=1), due_at=an_hour_ago, remind_at=an_hour_ago, reminder_step=0
    )
    assert updated == 1
    worker = workers.start(pool="prefork", concurrency=2)

    sweep_deadlines.delay()
    sweep_deadlines.delay()

    sweeps = wait_for(
        lambda: len(worker.task_lines(SWEEP, "succeeded")) == 2 and worker.task_lines(SWEEP, "succeeded"),
        "both sweeps to finish",
        details=worker.log_text,
    )
    # They ran side by side in the two pool processes; one took the step, the other found it taken.
    first, second = (run_of(line) for line in sweeps)
    assert first.process != second.process, sweeps
    assert max(first.start, second.start) < min(first.end, second.end), sweeps
    assert sorted("'reminded': 1" in line for line in sweeps) == [False, True], sweeps
    delivery = only_delivery(district.carol, "reminder_response_overdue")
    wait_for(lambda: sent(delivery) and deliveries_settled(worker), "the reminder e-mail", details=worker.log_text)

    reminded = Notification.objects.filter(kind="reminder_response_overdue").order_by("recipient__username")
    assert [n.recipient.username for n in reminded] == ["carol", "hank"]  # the assignee and the unit's head
    assert Delivery.objects.filter(notification__kind="reminder_response_overdue").count() == 1  # hank has no address
    (message,) = mailbox.messages()
    assert message["To"] == "carol@example.com"
    assert message["X-Huiyin-Delivery"] == str(delivery.pk)
    assert case.number in message["Subject"]
    cycle = DeadlineCycle.objects.get(case=case, kind=ClockKind.RESPONSE, ended_at__isnull=True)
    assert (cycle.reminder_step, cycle.breached) == (2, True)


def test_it_delivers_after_the_worker_is_killed_during_delivery(
    district, webhooks_to_localhost, workers, receiver, mailbox
):
    receiver.hold_first = True
    webhook_for(district.alice, receiver)  # alice has no e-mail address: the webhook is her only channel
    case = assigned_case(district)
    worker = workers.start(pool="prefork", concurrency=2)

    resolve(district, case)

    delivery = only_delivery(district.alice, "case_resolved")
    assert receiver.arrived.wait(WAIT), worker.log_text()
    assert delivery_status(delivery) == DeliveryStatus.SENDING
    worker.kill()  # the request is still in flight: the worker never learns the answer
    receiver.release()
    claimed_at = Delivery.objects.values_list("claimed_at", flat=True).get(pk=delivery.pk)

    workers.start(pool="prefork", concurrency=2)
    # What beat would do once a minute; the send counts as dead after NOTIFICATIONS_SENDING_TIMEOUT (3 s).
    time.sleep(max(0.0, (claimed_at + timedelta(seconds=3.5) - timezone.now()).total_seconds()))
    deliver_pending.delay()
    wait_for(lambda: sent(delivery), "the delivery to be sent again", details=workers.logs)

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert worker.task_lines(DELIVER, "succeeded") == []  # the killed worker never finished its send
    assert "Reclaimed 1 deliveries stuck in sending" in workers.started[-1].text()
    assert Notification.objects.filter(recipient=district.alice, kind="case_resolved").count() == 1
    # At least once: the receiver may see the message twice, always with the same delivery id.
    assert {request.delivery for request in receiver.requests} == {str(delivery.pk)}
    assert len(receiver.requests) == 2
    wait_for(lambda: receiver.requests[-1].answered == 200, "the receiver to record its answer")
    first, again = receiver.requests
    assert first.body == again.body
    expected = "sha256=" + hmac.new(SECRET.encode(), again.body, hashlib.sha256).hexdigest()
    assert again.headers["X-Huiyin-Signature"] == expected
    assert json.loads(again.body)["kind"] == "case_resolved"
    assert mailbox.messages() == []


def test_it_sends_a_webhook_once_when_redis_goes_down_during_the_send(
    district, webhooks_to_localhost, broker, workers, receiver
):
    broker.stop()
    broker.start(keep_data=True)  # as make demo runs it: a restart brings back what was not acknowledged
    receiver.hold_first = True
    webhook_for(district.alice, receiver)
    case = assigned_case(district)
    worker = workers.start(pool="prefork", concurrency=2)

    resolve(district, case)

    delivery = only_delivery(district.alice, "case_resolved")
    assert receiver.arrived.wait(WAIT), worker.log_text()
    broker.stop()  # the request is in flight
    # Once it tries to reconnect, the worker has handled the loss: it has not cut the send short, nor died.
    wait_for(lambda: "Cannot connect to redis" in worker.text(), "the worker to reconnect", details=worker.log_text)
    receiver.release()
    # The send needs no broker: it ends, and its outcome is recorded while Redis is still down.
    wait_for(lambda: sent(delivery), "the send to be recorded", details=worker.log_text)
    wait_for(lambda: receiver.requests[0].answered == 200, "the receiver to record its answer")

    broker.start(keep_data=True)
    # Redis hands the task out again: the worker could not acknowledge it while Redis was down.
    redeliver_unacknowledged(broker.url)
    wait_for(
        lambda: len(worker.task_lines(DELIVER, "received")) == 2 and deliveries_settled(worker),
        "the task to come back and finish",
        details=worker.log_text,
    )
    # What beat does once a minute, after a send would count as dead (NOTIFICATIONS_SENDING_TIMEOUT, 3 s).
    claimed_at = Delivery.objects.values_list("claimed_at", flat=True).get(pk=delivery.pk)
    time.sleep(max(0.0, (claimed_at + timedelta(seconds=3.5) - timezone.now()).total_seconds()))
    deliver_pending.delay()
    wait_for(
        lambda: worker.task_lines("notifications.tasks.deliver_pending", "succeeded"),
        "the outbox to run",
        details=worker.log_text,
    )

    assert len(receiver.requests) == 1, worker.log_text()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert f"Delivery {delivery.pk} skipped" in worker.text()  # the task that came back found it sent


def test_it_delivers_to_the_enterprise_when_redis_was_down_as_the_case_was_resolved(
    district, workers, broker, mailbox, caplog
):
    give_email(district.alice, "alice@example.com")
    case = assigned_case(district)
    worker = workers.start(pool="prefork", concurrency=2)
    broker.stop()

    started = time.monotonic()
    response = district.client(district.carol).post(
        case_url(case, "resolve"),
        {"resolution_type": ResolutionType.SOLVED, "reply": "已协调交通局修复道路。", "version": case.version},
        format="json",
    )
    took = time.monotonic() - started

    assert response.status_code == 200, response.data
    assert took < 10, f"resolving took {took:.1f} s with Redis down"
    assert reload(case).state == CaseState.RESOLVED
    delivery = only_delivery(district.alice, "case_resolved")
    assert (delivery.channel, delivery.status, delivery.attempts) == (DeliveryChannel.EMAIL, DeliveryStatus.PENDING, 0)
    assert "the outbox task will send them" in caplog.text

    broker.start()  # same port; the worker that kept running reconnects
    # The enqueue that failed above left the delivery unqueued: the first outbox run to reach the
    # worker queues it, without waiting out NOTIFICATIONS_QUEUE_LEASE.

    def outbox_has_run() -> bool:
        if sent(delivery):
            return True
        deliver_pending.delay()  # as beat would, until the worker is back and takes it
        time.sleep(1)
        return False

    wait_for(outbox_has_run, "the enterprise's e-mail", details=worker.log_text)
    wait_for(lambda: deliveries_settled(worker), "the worker to finish", details=worker.log_text)
    (message,) = mailbox.messages()
    assert message["To"] == "alice@example.com"
    assert message["X-Huiyin-Delivery"] == str(delivery.pk)
    assert case.number in message["Subject"]
    assert case.number in message.get_content()
    assert Notification.objects.filter(recipient=district.alice, kind="case_resolved").count() == 1


def test_it_delivers_what_a_restart_of_redis_without_persistence_lost(district, broker, workers, mailbox):
    give_email(district.alice, "alice@example.com")
    case = assigned_case(district)

    resolve(district, case)  # no worker runs yet: the task waits in Redis

    delivery = only_delivery(district.alice, "case_resolved")
    assert broker.client().llen("celery") == 1
    broker.stop()
    broker.start()  # keeping nothing on disk, as Redis ran in make demo before
    assert broker.client().llen("celery") == 0
    worker = workers.start(pool="prefork", concurrency=2)

    def outbox_has_run() -> bool:
        if sent(delivery):
            return True
        deliver_pending.delay()  # as beat would, until the lease (2 s for these workers) runs out
        time.sleep(0.5)
        return False

    wait_for(outbox_has_run, "the lost delivery to be queued again and sent", details=worker.log_text)
    wait_for(lambda: deliveries_settled(worker), "the worker to finish", details=worker.log_text)

    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.queued_at - delivery.created_at >= timedelta(seconds=2)  # queued again once the lease ran out
    (message,) = mailbox.messages()
    assert message["X-Huiyin-Delivery"] == str(delivery.pk)


def test_it_retries_a_webhook_that_failed_and_sends_it(district, webhooks_to_localhost, workers, receiver):
    receiver.answers = [500]
    webhook_for(district.alice, receiver)
    case = assigned_case(district)
    worker = workers.start(pool="prefork", concurrency=2)

    resolve(district, case)

    delivery = only_delivery(district.alice, "case_resolved")
    wait_for(
        lambda: Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=1).exists(),
        "the first attempt to fail",
        details=worker.log_text,
    )
    delivery.refresh_from_db()
    assert "500" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()  # the worker set a pause before the next attempt
    # The pause (a minute) is over; the outbox run queues the retry and the worker sends it.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliver_pending.delay()
    wait_for(lambda: sent(delivery), "the retry to be sent", details=worker.log_text)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    wait_for(lambda: receiver.requests[-1].answered, "the receiver to record its answer")
    assert [request.answered for request in receiver.requests] == [500, 200]
    assert {request.delivery for request in receiver.requests} == {str(delivery.pk)}
