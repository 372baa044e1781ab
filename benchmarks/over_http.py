"""The queue over HTTP: Huiyin under gunicorn against a bare WSGI app serving its floor, both driven by wrk.

Both servers run at once on 127.0.0.1 with the same gunicorn settings (2 sync workers, as production
runs); wrk drives one, then the other, alternating, for a bounded time each, and the ratio of their
requests per second is the figure. Huiyin keeps its database connections (``DB_CONN_MAX_AGE``) as the
floor app keeps its one per worker, so neither pays a connection per request.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import psycopg
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from .suite import BenchmarkError, Context, queue_url
from .urls import SIGNED_IN_API

WORKERS = 2
CONNECTIONS = 4


@dataclass
class HttpResult:
    seconds: int
    huiyin: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    signed_in: list[float] = field(default_factory=list)
    huiyin_latency: list[str] = field(default_factory=list)
    floor_latency: list[str] = field(default_factory=list)
    signed_in_latency: list[str] = field(default_factory=list)
    agree: bool = False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_conninfo() -> str:
    database = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=database["NAME"],
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=str(database["PORT"]) if database.get("PORT") else None,
    )


class Server:
    """One gunicorn on a free port, stopped by its own process id when done."""

    def __init__(self, app: str, environment: dict) -> None:
        self.port = free_port()
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), app, "--workers", str(WORKERS), "--worker-class", "sync", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=settings.BASE_DIR,
            env={**os.environ, **environment},
        )  # fmt: skip

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, headers: dict) -> bytes:
        with urllib.request.urlopen(urllib.request.Request(self.url(path), headers=headers), timeout=60) as response:
            return response.read()

    def wait(self, path: str, headers: dict) -> bytes:
        deadline = time.monotonic() + 60
        while True:
            try:
                return self.get(path, headers)
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise BenchmarkError(f"gunicorn on port {self.port} did not answer {path}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wrk(url: str, headers: dict, seconds: int) -> tuple[float, str]:
    """Requests per second and the median latency of one wrk run; any error response fails the benchmark."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise BenchmarkError(f"wrk saw errors from {url}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)
    return rate, latency


def unable() -> str | None:
    """Why the HTTP benchmark cannot run here, if it cannot: asked before the in-process part, which takes minutes."""
    if connection.vendor != "postgresql":
        return "The HTTP benchmark needs PostgreSQL: the floor app speaks psycopg."
    if shutil.which("wrk") is None:
        return "wrk is not installed: `make bench` installs it (apt-get install wrk)."
    return None


def run_http(context: Context, *, rounds: int, seconds: int, say) -> HttpResult:
    """The queue over HTTP against the floor app and a signed-in answer with no rows; ``bench`` asks ``unable``
    first."""
    # gunicorn runs on the real clock, where a token from the dataset's moment would have expired.
    Token.objects.filter(user=context.cadre).delete()
    headers = {"Authorization": f"Token {Token.objects.create(user=context.cadre).key}"}
    path = queue_url(context)
    huiyin = Server(
        "benchmarks.wsgi:application",
        {"DEBUG": "false", "DB_CONN_MAX_AGE": "600", "ALLOWED_HOSTS": "127.0.0.1", "PYTHONUNBUFFERED": "1"},
    )
    floor = Server(
        "benchmarks.wsgi_floor:application",
        {"HUIYIN_FLOOR_DSN": database_conninfo(), "HUIYIN_FLOOR_ASSIGNEE": str(context.cadre.pk)},
    )
    result = HttpResult(seconds=seconds)
    try:
        page_ids = [row["id"] for row in json.loads(huiyin.wait(path, headers))["results"]]
        floor_ids = [row["id"] for row in json.loads(floor.wait("/", {}))["results"]]
        result.agree = page_ids == floor_ids
        wrk(huiyin.url(path), headers, 2), wrk(floor.url("/"), {}, 2)  # warm-up: every worker started
        for round_number in range(rounds):
            # The signed-in answer with no rows beside them: what the same server answers before it reads a row.
            runs = [
                ("huiyin", huiyin.url(path), headers),
                ("floor", floor.url("/"), {}),
                ("signed_in", huiyin.url(SIGNED_IN_API), headers),
            ]
            shift = round_number % len(runs)
            for name, url, run_headers in runs[shift:] + runs[:shift]:
                rate, latency = wrk(url, run_headers, seconds)
                getattr(result, name).append(rate)
                getattr(result, f"{name}_latency").append(latency)
                say(f"http {name}: {rate:.0f} req/s, median latency {latency}")
    finally:
        huiyin.stop()
        floor.stop()
    return result


def ratio(result: HttpResult) -> float:
    return median(result.huiyin) / median(result.floor)
