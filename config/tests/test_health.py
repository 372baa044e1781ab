"""GET /healthz/ for a load balancer or monitor: 200 while Huiyin does its work, 503 when it cannot.

The broker is a real Redis server started for this module (workflow/tests/celery_harness.py); stopping it is
the outage the check must see. Time is frozen on days whose holiday schedules are known, or in years no
library will ever cover (2098), so that no result depends on the day the suite runs.
"""

import json
import socket
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import OperationalError
from django.test import override_settings

from config import health
from config.celery import BEAT_STARTED_HEARTBEAT
from notifications.models import Delivery, DeliveryChannel, DeliveryStatus, Notification
from ops.services import heartbeat_record
from workflow.models import CalendarYear
from workflow.tasks import SWEEP_HEARTBEAT, sweep_deadlines
from workflow.tests.celery_harness import (  # noqa: F401 - the fixtures broker and redis_server
    broker_fixture,
    celery_through,
    redis_server_fixture,
)
from workflow.workdays import SHANGHAI

pytestmark = pytest.mark.django_db

# A Monday in June 2026: the year's schedule is published and the next one is months away.
JUNE = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
PROBE_HOST = "10.0.0.7"  # a balancer probes the host by its address, which ALLOWED_HOSTS does not list


def healthz(client, query: str = "", **extra):
    return client.get(f"/healthz/{query}", HTTP_HOST=PROBE_HOST, **extra)


def statuses(response) -> dict[str, str]:
    return {name: check["status"] for name, check in response.json()["checks"].items()}


@pytest.fixture
def june(broker):
    """A working Monday in June with the broker up and a sweep finished a minute ago."""
    with time_machine.travel(JUNE, tick=False):
        heartbeat_record(name=SWEEP_HEARTBEAT, at=JUNE - timedelta(minutes=1))
        yield JUNE


def test_it_answers_200_when_every_part_works(client, broker, django_assert_num_queries):
    with time_machine.travel(JUNE, tick=False):
        sweep_deadlines()  # the task beat runs (eagerly here) leaves its heartbeat
        with django_assert_num_queries(3):  # the database's SELECT 1, the heartbeats, the outbox
            response = healthz(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    report = response.json()
    assert report["status"] == "ok"
    assert statuses(response) == {
        "database": "ok",
        "broker": "ok",
        "sweep": "ok",
        "outbox": "ok",
        "holiday_schedule": "ok",
    }
    assert report["checks"]["sweep"]["age_seconds"] == 0
    assert report["checks"]["outbox"] == {"status": "ok", "due": 0, "oldest_due_seconds": None, "max_age_seconds": 600}


def test_it_answers_503_with_the_broker_stopped(client, june, broker):
    broker.stop()

    response = healthz(client)

    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.json()["checks"]["broker"] == {"status": "fail", "error": "ConnectionError"}
    assert statuses(response) == {**dict.fromkeys(statuses(response), "ok"), "broker": "fail"}


def test_it_gives_up_on_a_broker_that_does_not_answer_after_a_second(client, june):
    with socket.socket() as silent:  # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with celery_through(f"redis://127.0.0.1:{silent.getsockname()[1]}/0"):
            started = time.monotonic()
            response = healthz(client, "?only=broker")
            took = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"status": "fail", "error": "TimeoutError"}
    assert took < 5, f"the probe waited {took:.1f} s"  # one 1-second timeout, no retries; a balancer waits ~5 s


def test_it_answers_503_when_the_sweep_has_not_run_for_three_intervals(client, june):
    heartbeat_record(name=SWEEP_HEARTBEAT, at=june - timedelta(minutes=6))
    assert healthz(client).status_code == 200

    heartbeat_record(name=SWEEP_HEARTBEAT, at=june - timedelta(minutes=6, seconds=1))
    response = healthz(client)

    assert response.status_code == 503
    assert statuses(response)["sweep"] == "fail"
    assert response.json()["checks"]["sweep"] == {
        "status": "fail",
        "reason": "stale",
        "last_run_at": "2026-06-15T01:53:59+00:00",
        "age_seconds": 361,
        "stale_after_seconds": 360,
    }


def test_it_takes_the_stale_limit_from_the_settings(client, june, settings):
    settings.HUIYIN = {**settings.HUIYIN, "HEALTH_SWEEP_STALE_AFTER": 30}
    heartbeat_record(name=SWEEP_HEARTBEAT, at=june - timedelta(seconds=31))

    assert healthz(client).status_code == 503


def test_it_counts_the_system_as_starting_until_beat_has_had_time_for_a_sweep(client, broker):
    with time_machine.travel(JUNE, tick=False) as traveller:
        assert healthz(client, "?only=sweep").json()["checks"]["sweep"]["reason"] == "never_ran"

        heartbeat_record(name=BEAT_STARTED_HEARTBEAT, at=JUNE)  # make demo, or a first start in production
        traveller.shift(timedelta(minutes=5))
        starting = healthz(client)
        traveller.shift(timedelta(minutes=1, seconds=1))
        too_long = healthz(client)

    assert starting.status_code == 200
    assert starting.json()["status"] == "warn"
    assert starting.json()["checks"]["sweep"]["reason"] == "starting"
    assert starting.json()["checks"]["sweep"]["beat_started_at"] == "2026-06-15T02:00:00+00:00"
    assert too_long.status_code == 503
    assert too_long.json()["checks"]["sweep"]["reason"] == "never_ran"


def test_it_gives_a_restarted_beat_time_for_its_first_sweep_after_an_outage(client, june):
    heartbeat_record(name=SWEEP_HEARTBEAT, at=june - timedelta(hours=3))
    assert healthz(client).status_code == 503

    heartbeat_record(name=BEAT_STARTED_HEARTBEAT, at=june - timedelta(minutes=1))
    response = healthz(client)

    assert response.status_code == 200
    assert response.json()["checks"]["sweep"]["reason"] == "starting"


def pending_delivery(district, *, due: datetime) -> Delivery:
    notification = Notification.objects.create(
        recipient=district.alice, kind="case_resolved", key=f"health:{due.isoformat()}", subject="s", body="b"
    )
    return Delivery.objects.create(notification=notification, channel=DeliveryChannel.EMAIL, next_attempt_at=due)


def test_it_answers_503_when_a_delivery_has_waited_past_the_limit(client, june, district):
    pending_delivery(district, due=june - timedelta(minutes=10))
    pending_delivery(district, due=june + timedelta(minutes=1))  # a retry waiting for its time is no backlog
    sent = pending_delivery(district, due=june - timedelta(hours=1))
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    assert healthz(client).status_code == 200

    pending_delivery(district, due=june - timedelta(minutes=10, seconds=1))
    response = healthz(client)

    assert response.status_code == 503
    assert response.json()["checks"]["outbox"] == {
        "status": "fail",
        "due": 2,
        "oldest_due_seconds": 601,
        "max_age_seconds": 600,
    }


@pytest.mark.parametrize(
    ("today", "entered", "missing"),
    [
        ("2098-06-15", [], [2098]),  # a year running on the estimate
        ("2098-11-30", [2098], []),  # 32 days before the new year: not yet
        ("2098-12-01", [2098], [2099]),  # from December, next year's schedule is due
        ("2098-12-31", [2098, 2099], []),  # entered in time
    ],
)
def test_it_warns_while_a_years_holiday_schedule_is_missing(client, broker, today, entered, missing):
    for year in entered:
        CalendarYear.objects.create(year=year, source="国办发明电〔2098〕1号")
    moment = datetime.fromisoformat(today).replace(hour=10, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        heartbeat_record(name=SWEEP_HEARTBEAT)
        response = healthz(client)

    assert response.status_code == 200  # a warning, never a reason to take hosts out of service
    assert response.json()["checks"]["holiday_schedule"] == {
        "status": "warn" if missing else "ok",
        "missing_years": missing,
    }
    assert response.json()["status"] == ("warn" if missing else "ok")


@override_settings(ALLOWED_HOSTS=["huiyin.example.org"], SECURE_SSL_REDIRECT=True, DEBUG=False)
def test_it_answers_a_probe_by_address_over_http_without_logging_in(client, june):
    response = healthz(client)
    refused = client.get("/api/v1/me/", HTTP_HOST=PROBE_HOST)

    assert response.status_code == 200
    assert refused.status_code == 400  # every other path still refuses a host it does not serve
    assert client.get("/api/v1/me/", HTTP_HOST="huiyin.example.org").status_code == 301  # and goes to HTTPS
    assert client.head("/healthz/", HTTP_HOST=PROBE_HOST).status_code == 200
    post = client.post("/healthz/", HTTP_HOST=PROBE_HOST)
    assert (post.status_code, post["Allow"]) == (405, "GET, HEAD")  # not a CSRF refusal, not a login page


def test_it_reports_the_database_down_without_running_what_needs_it(client, june, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed')

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = healthz(client)

    assert response.status_code == 503
    assert "db.internal" not in response.content.decode()
    assert response.json()["checks"] == {
        "database": {"status": "fail", "error": "OperationalError"},
        "broker": {"status": "ok"},
        "sweep": {"status": "unknown", "reason": "database"},
        "outbox": {"status": "unknown", "reason": "database"},
        "holiday_schedule": {"status": "unknown", "reason": "database"},
    }


def test_it_tells_no_address_or_password(client, june):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with celery_through(f"redis://huiyin:s3cret-password@127.0.0.1:{port}/0"):
        response = healthz(client)

    text = response.content.decode()
    assert response.status_code == 503
    assert "s3cret" not in text
    assert "127.0.0.1" not in text
    assert str(port) not in text
    assert json.loads(text)["checks"]["broker"] == {"status": "fail", "error": "ConnectionError"}


def test_it_runs_only_the_checks_asked_for(client, june, broker, django_assert_num_queries):
    broker.stop()
    with django_assert_num_queries(2):
        response = healthz(client, "?only=database,sweep")

    assert response.status_code == 200  # the broker is down, but a balancer asked about this host's database
    assert statuses(response) == {"database": "ok", "sweep": "ok"}
    unknown = healthz(client, "?only=database,disk")
    assert unknown.status_code == 400
    assert unknown.json()["unknown"] == ["disk"]
