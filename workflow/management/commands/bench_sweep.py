"""Measure the deadline sweep: N cases, about 5% of them due for a reminder.

Run it against a scratch database (it writes and then removes N cases):

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py bench_sweep --cases 100000

Rows are bulk-inserted (the services are not what is measured); the sweep then
runs once at a working moment, and a second time to show that nothing is sent
twice. The time of the sweep should follow the number of due clocks, not N.
"""

import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cases.models import Case, CaseState, Category
from enterprises.credit_code import check_character
from enterprises.models import Enterprise, Role, Unit, UnitKind, UnitMembership
from notifications.models import Notification
from workflow import clock
from workflow.models import ClockKind, DeadlineCycle
from workflow.selectors import work_calendar
from workflow.sweep import sweep

User = get_user_model()
PREFIX = "BENCH"
CHUNK = 5000


class QueryCounter:
    """Counts queries without keeping them: Django's own log stops at 9000."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Time the deadline sweep over N bulk-inserted cases, about 5% of them due."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--due-fraction", type=float, default=0.05)
        parser.add_argument("--keep", action="store_true", help="Leave the benchmark rows in the database.")

    def handle(self, *args, cases: int, due_fraction: float, keep: bool, **options) -> None:
        if Case.objects.exclude(number__startswith=PREFIX).exists():
            raise CommandError("This database holds real cases: run the benchmark on a scratch database.")
        self.remove()
        calendar = work_calendar()
        now = calendar.next_working_moment(clock.now() + timedelta(days=1)).replace(hour=10, minute=0)
        started = time.perf_counter()
        due = self.insert(cases, due_fraction, now)
        self.stdout.write(
            f"{connection.vendor}: inserted {cases} cases ({due} due) in {time.perf_counter() - started:.1f} s"
        )

        for run in ("first", "second"):
            counter = QueryCounter()
            with clock.frozen_at(now), connection.execute_wrapper(counter):
                started = time.perf_counter()
                report = sweep(now)
                elapsed = time.perf_counter() - started
            self.stdout.write(
                f"{run} sweep: {report.reminded} clocks reminded, {report.failed} failed, "
                f"{elapsed:.2f} s, {counter.count} queries"
                + (f" ({counter.count / report.reminded:.1f} per reminded clock)" if report.reminded else "")
            )
        sent = Notification.objects.filter(about__startswith="case:", recipient__username=f"{PREFIX.lower()}-cadre")
        self.stdout.write(f"notifications: {sent.count()} (one per due clock expected)")
        if not keep:
            self.remove()

    def insert(self, total: int, due_fraction: float, now) -> int:
        with transaction.atomic():
            district = Unit.objects.create(name=f"{PREFIX} district", kind=UnitKind.DISTRICT)
            unit = Unit.objects.create(name=f"{PREFIX} bureau", kind=UnitKind.BUREAU, parent=district)
            street = Unit.objects.create(name=f"{PREFIX} street", kind=UnitKind.STREET, parent=district)
            cadre = User.objects.create(username=f"{PREFIX.lower()}-cadre")
            filer = User.objects.create(username=f"{PREFIX.lower()}-filer")
            UnitMembership.objects.create(user=cadre, unit=unit, role=Role.CADRE)
            code = "91230109BENCH0000"
            enterprise = Enterprise.objects.create(
                name=f"{PREFIX} enterprise", credit_code=code + check_character(code), township=street
            )
            category = Category.objects.first()
        every = max(1, round(1 / due_fraction)) if due_fraction > 0 else total + 1
        resolution_due = now + timedelta(hours=20)
        due_count = 0
        for start in range(0, total, CHUNK):
            numbers = range(start, min(start + CHUNK, total))
            with transaction.atomic():
                rows = Case.objects.bulk_create(
                    Case(
                        number=f"{PREFIX}-{index:08d}",
                        enterprise=enterprise,
                        filed_by=filer,
                        category=category,
                        title="benchmark",
                        description="benchmark",
                        state=CaseState.ASSIGNED,
                        assignee=cadre,
                        responsible_unit=unit,
                        filed_at=now - timedelta(days=3),
                        assigned_at=now - timedelta(days=3),
                        resolution_due_at=resolution_due,
                    )
                    for index in numbers
                )
                if rows[0].pk is None:
                    rows = list(Case.objects.filter(number__in=[row.number for row in rows]).only("pk", "number"))
                cycles = []
                for row in rows:
                    is_due = int(row.number[len(PREFIX) + 1 :]) % every == 0
                    due_count += is_due
                    cycles.append(
                        DeadlineCycle(
                            case_id=row.pk,
                            kind=ClockKind.RESOLUTION,
                            started_by="assign",
                            started_at=now - timedelta(days=3),
                            workdays=7,
                            due_at=resolution_due if is_due else now + timedelta(days=30),
                            responsible=cadre,
                            unit=unit,
                            remind_at=now - timedelta(minutes=1) if is_due else now + timedelta(days=29),
                        )
                    )
                DeadlineCycle.objects.bulk_create(cycles)
        return due_count

    def remove(self) -> None:
        """Raw deletes: the ORM's cascade collector would load a million rows first."""
        case_ids = Case.objects.filter(number__startswith=PREFIX).values("pk")
        with transaction.atomic():
            Notification.objects.filter(recipient__username__startswith=f"{PREFIX.lower()}-")._raw_delete("default")
            DeadlineCycle.objects.filter(case_id__in=case_ids)._raw_delete("default")
            Case.objects.filter(number__startswith=PREFIX)._raw_delete("default")
            Enterprise.objects.filter(name__startswith=PREFIX).delete()
            UnitMembership.objects.filter(user__username__startswith=f"{PREFIX.lower()}-").delete()
            User.objects.filter(username__startswith=f"{PREFIX.lower()}-").delete()
            Unit.objects.filter(name__startswith=PREFIX, parent__isnull=False).delete()
            Unit.objects.filter(name__startswith=PREFIX).delete()
