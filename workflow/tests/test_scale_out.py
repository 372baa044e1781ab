"""Growing past one machine: several web servers and several workers against one database and one Redis.

Two gunicorn servers (deploy/gunicorn.conf.py, two workers each) stand for two web hosts, two Celery workers for
two worker hosts; they share the test database and a private Redis, as the hosts of a larger installation share
one PostgreSQL and one Redis. Cases are filed and resolved through both servers with API tokens, reminders fall
due and sweeps run on both workers at once. What must hold: both servers served requests, both workers sent
deliveries, and nothing was done twice — the webhook receiver sees every delivery id exactly once, every
reminder exists once. Then /healthz/ on either server says the whole system is well.

Also here: beat, as it starts, makes /healthz/ count the system as starting rather than stopped.
"""

import json
import re
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases.models import Case, CaseState
from conftest import PASSWORD
from notifications.models import Delivery, DeliveryStatus, Notification, NotificationPreference
from ops.models import Heartbeat
from workflow.models import ClockKind, DeadlineCycle
from workflow.tasks import sweep_deadlines

from .celery_harness import (  # noqa: F401 - the fixtures broker, mailbox, receiver, redis_server, workers
    broker_fixture,
    free_port,
    mailbox_fixture,
    process_end,
    receiver_fixture,
    redis_server_fixture,
    start_process,
    wait_for,
    workers_fixture,
)

# Working time now, whatever the day and hour CI runs at (the fixture of the Redis tests).
from .test_celery_redis import working_now as working_now_fixture  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SWEEP = "workflow.tasks.sweep_deadlines"
DELIVER = "notifications.tasks.deliver"
CASES = 8  # filed, half through each server
RESOLVED = 4  # resolved, half through each server; the others fall overdue and are reminded


class WebServer:
    """gunicorn with production's configuration file, on a port of its own, logging every request to a file."""

    def __init__(self, name: str, env: dict[str, str], directory: Path) -> None:
        self.name, self.port, self.log = name, free_port(), directory / f"{name}.log"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2"}
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "WebServer":
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        config = str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py")
        self.process = start_process([gunicorn, "--config", config], self.log, cwd=settings.BASE_DIR, env=self.env)
        wait_for(self.answers, f"{self.name} to answer", details=self.log_text)
        return self

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited.\n{self.log_text()}")
        try:
            return self.request("GET", "/healthz/?only=database")[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", "Accept-Language": "zh-hans"}
        if token:
            headers["Authorization"] = f"Token {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def token(self, username: str) -> str:
        status, answer = self.request("POST", "/api/v1/auth/token/", {"username": username, "password": PASSWORD})
        assert status == 200, answer
        return answer["token"]

    def served(self, method: str, path_pattern: str) -> int:
        """Requests this server logged, by method and a regular expression for the path."""
        line = re.compile(rf'"{method} {path_pattern} HTTP/1\.1" 2\d\d ')
        return sum(1 for text in self.log.read_text(errors="replace").splitlines() if line.search(text))

    def stop(self) -> None:
        if self.process is not None:
            process_end(self.process)

    def log_text(self) -> str:
        return f"--- {self.name} log ---\n{self.log.read_text(errors='replace') if self.log.exists() else ''}"


@pytest.fixture
def web_servers(workers, tmp_path) -> Iterator[list[WebServer]]:
    """Two web servers with the workers' environment: the same database, broker, settings and clock."""
    servers = [WebServer(f"web{number}", workers.env, tmp_path) for number in (1, 2)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


@dataclass
class Sweep:
    reminded: int


def sweeps_of(worker) -> list[Sweep]:
    return [Sweep(int(re.search(r"'reminded': (\d+)", line)[1])) for line in worker.task_lines(SWEEP, "succeeded")]


@pytest.mark.usefixtures("working_now_fixture")
def test_it_spreads_work_over_two_web_servers_and_two_workers_and_does_nothing_twice(
    district, web_servers, workers, receiver
):
    for person in (district.alice, district.carol):
        NotificationPreference.objects.create(
            user=person, email_enabled=False, webhook_enabled=True, webhook_url=f"{receiver.url}/hook"
        )
    first, second = workers.start(concurrency=2), workers.start(concurrency=2)
    web1, web2 = web_servers
    alice = web1.token("alice")
    carol = web2.token("carol")

    filed = []
    for number in range(CASES):
        status, case = (web1, web2)[number % 2].request(
            "POST",
            "/api/v1/cases/",
            {
                "category": district.infrastructure.pk,
                "title": f"厂区道路破损（{number + 1}号门）",
                "description": "运输车辆无法通行。",
            },
            token=alice,
        )
        assert status == 201, case
        filed.append(case["id"])
    for number, case_id in enumerate(filed[:RESOLVED]):
        status, case = (web2, web1)[number % 2].request(
            "POST",
            f"/api/v1/cases/{case_id}/resolve/",
            {"resolution_type": "solved", "reply": "已协调交通局修复道路。"},
            token=carol,
        )
        assert status == 200, case
    # The other cases' sign-for clock ran out an hour ago: their overdue reminder is due, and four sweeps on
    # two workers reach for it at the same time.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    overdue = DeadlineCycle.objects.filter(
        case_id__in=filed[RESOLVED:], kind=ClockKind.RESPONSE, ended_at__isnull=True
    ).update(started_at=an_hour_ago - timedelta(days=1), due_at=an_hour_ago, remind_at=an_hour_ago, reminder_step=0)
    assert overdue == CASES - RESOLVED
    for _ in range(4):
        sweep_deadlines.delay()

    def everything_sent() -> bool:
        reminders = Notification.objects.filter(kind="reminder_response_overdue", recipient=district.carol).count()
        swept = sum(len(worker.task_lines(SWEEP, "succeeded")) for worker in (first, second)) == 4
        waiting = Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()
        return (
            reminders == CASES - RESOLVED
            and swept
            and not waiting
            and len(receiver.requests) >= Delivery.objects.count()
        )

    wait_for(everything_sent, "every delivery to be sent", details=workers.logs)

    # Both web servers took their share of the requests.
    for server, filings, resolutions in ((web1, CASES // 2, RESOLVED // 2), (web2, CASES // 2, RESOLVED // 2)):
        assert server.served("POST", r"/api/v1/cases/") == filings, server.log_text()
        assert server.served("POST", r"/api/v1/cases/\d+/resolve/") == resolutions, server.log_text()
    assert Case.objects.filter(pk__in=filed, state=CaseState.RESOLVED).count() == RESOLVED
    # Both workers sent deliveries.
    sent_by = [len(worker.task_lines(DELIVER, "succeeded")) for worker in (first, second)]
    assert all(sent_by), f"deliveries sent per worker: {sent_by}\n{workers.logs()}"
    # Nothing twice: every delivery reached the receiver exactly once, and was attempted once.
    deliveries = Delivery.objects.all()
    assert deliveries.count() == CASES + RESOLVED + (CASES - RESOLVED)  # carol's cases, alice's answers, reminders
    assert Counter(request.delivery for request in receiver.requests) == {str(d.pk): 1 for d in deliveries}
    assert sorted(set(deliveries.values_list("attempts", flat=True))) == [1]
    # Every reminder once: each overdue case's reminder was claimed by exactly one of the four sweeps.
    assert sum(sweep.reminded for worker in (first, second) for sweep in sweeps_of(worker)) == CASES - RESOLVED
    reminders = Notification.objects.filter(kind="reminder_response_overdue", recipient=district.carol)
    assert sorted(reminders.values_list("about", flat=True)) == sorted(f"case:{pk}" for pk in filed[RESOLVED:])

    # Each web server sees the same healthy system: the shared database, broker, sweep and outbox.
    for server in web_servers:
        status, report = server.request("GET", "/healthz/")
        assert status == 200, report
        checks = {name: check["status"] for name, check in report["checks"].items()}
        assert {name: checks[name] for name in ("database", "broker", "sweep", "outbox")} == dict.fromkeys(
            ("database", "broker", "sweep", "outbox"), "ok"
        )
        assert report["checks"]["outbox"]["due"] == 0


def test_it_counts_the_system_as_starting_once_beat_has_started(workers, web_servers, tmp_path):
    web = web_servers[0]
    status, report = web.request("GET", "/healthz/?only=sweep")
    assert (status, report["checks"]["sweep"]["reason"]) == (503, "never_ran")

    command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info"]
    beat = start_process(
        command + ["-s", str(tmp_path / "schedule")], tmp_path / "beat.log", cwd=settings.BASE_DIR, env=workers.env
    )
    try:
        wait_for(
            lambda: Heartbeat.objects.filter(name="beat-started").exists(),
            "beat to record its start",
            details=lambda: (tmp_path / "beat.log").read_text(errors="replace"),
        )
        status, report = web.request("GET", "/healthz/?only=sweep")
    finally:
        process_end(beat)

    assert status == 200
    assert report["status"] == "warn"
    assert report["checks"]["sweep"]["reason"] == "starting"
