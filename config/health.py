"""GET /healthz/: can this host do its work, and is the background work moving? For a load balancer or a monitor.

Answered by a middleware placed first, so that nothing between the prober and the answer turns it into
something else: no HTTPS redirect (a balancer probes plain HTTP on the private side), no ALLOWED_HOSTS
refusal (it probes by address), no session, CSRF, language, login or lockout. It tells statuses, counts, ages
and exception class names, never an address, a URL or a message that could carry one.

A check that fails makes the answer 503; a check that only warns leaves it 200 (rules in docs/deploy.md):

- ``database`` (a query) and ``broker`` (a Redis PING that gives up after a second) fail: without them this
  host cannot serve, or nothing it records is delivered or reminded.
- ``sweep`` fails when the deadline sweep has not finished for ``HEALTH_SWEEP_STALE_AFTER`` seconds: beat
  or every worker is down, and deadlines pass without reminders. Before the first sweep after beat started
  it warns (starting) for as long.
- ``outbox`` fails when a delivery has been due for ``HEALTH_OUTBOX_MAX_AGE`` seconds and is still pending:
  nobody is sending e-mail and webhooks.
- ``holiday_schedule`` only warns, for this year or, from ``HEALTH_SCHEDULE_WARN_DAYS`` before 1 January,
  next year without an official schedule: deadlines are still counted, over estimated holidays, and entering
  the schedule is an administrator's task, not a reason to take hosts out of service.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.celery import BEAT_STARTED_HEARTBEAT, app
from notifications.selectors import outbox_backlog
from ops.selectors import heartbeats_at
from workflow.selectors import imported_schedule
from workflow.tasks import SWEEP_HEARTBEAT
from workflow.workdays import SHANGHAI, WorkCalendar

PATH = "/healthz/"
BROKER_TIMEOUT = 1.0  # seconds, to connect and to answer PING: a balancer's probe times out after a few
OK, WARN, FAIL, UNKNOWN = "ok", "warn", "fail", "unknown"


def _failure(error: Exception) -> dict:
    # The class only: a message may name a host, a user or a password.
    return {"status": FAIL, "error": type(error).__name__}


def _age(now: datetime, moment: datetime) -> int:
    return int((now - moment).total_seconds())


def check_database(now: datetime) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": OK}


def check_broker(now: datetime) -> dict:
    """PING the broker tasks are sent to, on a connection of its own and without redis-py's retries, so that a
    dead broker costs one timeout."""
    try:
        client = redis.Redis.from_url(
            app.conf.broker_url,
            socket_connect_timeout=BROKER_TIMEOUT,
            socket_timeout=BROKER_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        with client:
            client.ping()
    except (redis.RedisError, OSError, ValueError) as error:
        return _failure(error)
    return {"status": OK}


def check_sweep(now: datetime) -> dict:
    stale_after = settings.HUIYIN["HEALTH_SWEEP_STALE_AFTER"]
    beats = heartbeats_at([SWEEP_HEARTBEAT, BEAT_STARTED_HEARTBEAT])
    last, beat_started = beats.get(SWEEP_HEARTBEAT), beats.get(BEAT_STARTED_HEARTBEAT)
    result = {
        "last_run_at": last.isoformat() if last else None,
        "age_seconds": _age(now, last) if last else None,
        "stale_after_seconds": stale_after,
    }
    if last and _age(now, last) <= stale_after:
        return {"status": OK, **result}
    if beat_started and (last is None or last < beat_started) and _age(now, beat_started) <= stale_after:
        # Beat runs the first sweep one interval after it starts; give it as long as a running system gets.
        return {"status": WARN, "reason": "starting", "beat_started_at": beat_started.isoformat(), **result}
    return {"status": FAIL, "reason": "stale" if last else "never_ran", **result}


def check_outbox(now: datetime) -> dict:
    max_age = settings.HUIYIN["HEALTH_OUTBOX_MAX_AGE"]
    backlog = outbox_backlog(now=now)
    waited = _age(now, backlog.oldest_due_at) if backlog.oldest_due_at else None
    status = FAIL if waited is not None and waited > max_age else OK
    return {"status": status, "due": backlog.due, "oldest_due_seconds": waited, "max_age_seconds": max_age}


def check_holiday_schedule(now: datetime) -> dict:
    today = timezone.localdate(now, timezone=SHANGHAI)
    years = [today.year]
    if date(today.year + 1, 1, 1) - today <= timedelta(days=settings.HUIYIN["HEALTH_SCHEDULE_WARN_DAYS"]):
        years.append(today.year + 1)
    published = WorkCalendar()  # chinese_calendar's data alone; an imported year is a row
    missing = [
        year for year in years if not published.is_official(date(year, 1, 1)) and imported_schedule(year) is None
    ]
    return {"status": WARN if missing else OK, "missing_years": missing}


CHECKS: dict[str, Callable[[datetime], dict]] = {
    "database": check_database,
    "broker": check_broker,
    "sweep": check_sweep,
    "outbox": check_outbox,
    "holiday_schedule": check_holiday_schedule,
}
NEEDS_DATABASE = {"database", "sweep", "outbox", "holiday_schedule"}


def health_report(names: list[str], now: datetime | None = None) -> dict:
    """The named checks' results and the overall status: fail if one failed, else warn if one warned."""
    now = now or timezone.now()
    results, database_down = {}, False
    for name in names:
        if database_down and name in NEEDS_DATABASE:
            results[name] = {"status": UNKNOWN, "reason": "database"}
            continue
        try:
            results[name] = CHECKS[name](now)
        except DatabaseError as error:
            results[name] = _failure(error)
            database_down = True
    statuses = {result["status"] for result in results.values()}
    overall = FAIL if FAIL in statuses else WARN if WARN in statuses else OK
    return {"status": overall, "checked_at": now.isoformat(), "checks": results}


def health_response(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": "method_not_allowed"}, status=405, headers={"Allow": "GET, HEAD"})
    only = [name.strip() for name in request.GET.get("only", "").split(",") if name.strip()]
    unknown = sorted(set(only) - set(CHECKS))
    if unknown:
        return JsonResponse({"error": "unknown_check", "unknown": unknown, "checks": list(CHECKS)}, status=400)
    report = health_report(only or list(CHECKS))
    status = 503 if report["status"] == FAIL else 200
    response = JsonResponse(report, status=status, headers={"Cache-Control": "no-store"})
    # A 503 here is the answer asked for, not an error of the request: without this Django logs one at ERROR
    # level for every probe, every few seconds from every balancer, for as long as an outage lasts.
    response._has_been_logged = True
    return response


class HealthCheckMiddleware:
    """First in MIDDLEWARE: answers /healthz/ itself and passes every other request on untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return health_response(request)
        return self.get_response(request)
