"""Build the province-scale dataset on a scratch database: ``manage.py seed_scale --cases 1000000``.

Rows are written in bulk (COPY on PostgreSQL), not through the services: a million cases take minutes,
not days. What is written follows the app's rules (states, events, clocks, constraints); the shape is
described in ``benchmarks/dataset/`` and docs/benchmarks.md. The data stands as at ``--as-of``
(default: 10:00 of the latest working day), which ``bench`` reads back from the newest event.
"""

import time as timer
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.dateparse import parse_datetime

from benchmarks.dataset import PASSWORD, ScaleDataset, Shape
from benchmarks.workdays import SHANGHAI, Workdays
from cases.models import Case

SQLITE_LIMIT = 100_000


def latest_working_morning(now: datetime) -> datetime:
    """10:00 of the latest working day that has reached 10:00: a moment inside working hours."""
    days = Workdays((now - timedelta(days=30)).date(), now.date() + timedelta(days=1))
    for day in reversed(days.days):
        moment = days.at(day, time(10))
        if moment <= now:
            return moment
    raise CommandError("No working day in the last 30 days: check the calendar.")


def database_size() -> int | None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            return cursor.fetchone()[0]
    return None


class Command(BaseCommand):
    help = "Build a realistic district of N cases in bulk, for the benchmarks (a scratch database only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="How many cases (1000000 is the province scale).")
        parser.add_argument("--seed", type=int, default=11, help="The same seed gives the same data.")
        parser.add_argument(
            "--as-of",
            help="The moment the data stands at, ISO 8601 with a zone (default 10:00 of the latest working day).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=f"Run although the database has cases, or on SQLite above {SQLITE_LIMIT:,} cases.",
        )

    def handle(self, *args, cases: int, seed: int, as_of: str | None, force: bool, **options) -> None:
        if cases < 1:
            raise CommandError("--cases must be at least 1.")
        if not force and Case.objects.exists():
            raise CommandError(
                "This database already has cases. seed_scale is for a scratch database; use --force to add to it."
            )
        if not force and connection.vendor == "sqlite" and cases > SQLITE_LIMIT:
            raise CommandError(
                f"{cases:,} cases on SQLite would take long and measure little: use PostgreSQL, or --force."
            )
        moment = self.moment(as_of)
        started = timer.perf_counter()
        dataset = ScaleDataset(shape=Shape.for_cases(cases), seed=seed, as_of=moment, say=self.say(started))
        written = dataset.run()
        self.say(started)("everything written")
        if connection.vendor == "postgresql":
            # The planner needs statistics, and index-only scans a visibility map, as on a database that has lived.
            # VACUUM cannot run inside a transaction (a test's): statistics alone then.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
            self.say(started)("vacuumed and analysed")
        elapsed = timer.perf_counter() - started
        size = database_size()
        self.stdout.write(
            f"Seeded {cases:,} cases as at {moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M} Asia/Shanghai in "
            f"{elapsed:.0f} s on {connection.vendor}" + (f"; database {size / 2**20:,.0f} MiB" if size else "")
        )
        for label, count in written.items():
            self.stdout.write(f"  {label}: {count:,}")
        self.stdout.write(f"Every seeded person's password is {PASSWORD!r}.")

    def moment(self, text: str | None) -> datetime:
        if not text:
            return latest_working_morning(datetime.now(tz=SHANGHAI))
        parsed = parse_datetime(text)
        if parsed is None or parsed.tzinfo is None:
            raise CommandError("--as-of needs an ISO 8601 moment with a zone, e.g. 2026-12-04T10:00+08:00.")
        return parsed

    def say(self, started: float):
        def say(message: str) -> None:
            self.stdout.write(f"[{timer.perf_counter() - started:6.1f} s] {message}")
            self.stdout.flush()

        return say
