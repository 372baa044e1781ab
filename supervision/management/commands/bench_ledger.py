"""Measure the problem ledger export: N cases written to .xlsx by the job a worker runs.

Run it against a scratch database (it writes and then removes N cases):

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py bench_ledger --cases 10000

Rows are bulk-inserted: half assigned, half closed and rated; every case has a
resolution clock and every tenth an approved extension. A supervisor of the
benchmark district then exports the whole ledger through ``ledger_export_run``,
the function the Celery task calls. The number of queries should follow the
number of chunks, not the number of cases.
"""

import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseState, Category, Closure, ResolutionType
from enterprises.credit_code import check_character
from enterprises.models import Enterprise, Role, Unit, UnitKind, UnitMembership
from notifications.models import Notification
from supervision.ledger.exports import LEDGER_CHUNK_ROWS, ledger_export_run, retention
from supervision.ledger.models import LedgerExport
from workflow.management.commands.bench_sweep import QueryCounter
from workflow.models import ClockKind, DeadlineCycle, ExtensionRequest, ExtensionState

User = get_user_model()
PREFIX = "LEDGERBENCH"
CHUNK = 5000


class Command(BaseCommand):
    help = "Time the problem ledger export over N bulk-inserted cases."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=10_000)
        parser.add_argument("--keep", action="store_true", help="Leave the benchmark rows in the database.")

    def handle(self, *args, cases: int, keep: bool, **options) -> None:
        if Case.objects.exclude(number__startswith=PREFIX).exists():
            raise CommandError("This database holds real cases: run the benchmark on a scratch database.")
        self.remove()
        started = time.perf_counter()
        supervisor = self.insert(cases)
        self.stdout.write(f"{connection.vendor}: inserted {cases} cases in {time.perf_counter() - started:.1f} s")

        now = timezone.now()
        job = LedgerExport.objects.create(
            requested_by=supervisor, filters={}, language="zh-hans", expires_at=now + retention()
        )
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            ledger_export_run(job_id=job.pk)
            elapsed = time.perf_counter() - started
        job.refresh_from_db()
        size = job.file.size if job.file else 0
        self.stdout.write(
            f"ledger: {job.state}, {job.row_count} rows, {elapsed:.2f} s, {counter.count} queries "
            f"(chunks of {LEDGER_CHUNK_ROWS}), {size / 1024:.0f} KiB"
        )
        if job.error:
            self.stdout.write(f"error: {job.error}")
        if job.file:
            job.file.delete(save=False)
        if not keep:
            self.remove()

    def insert(self, total: int):
        now = timezone.now()
        with transaction.atomic():
            district = Unit.objects.create(name=f"{PREFIX} district", kind=UnitKind.DISTRICT)
            unit = Unit.objects.create(name=f"{PREFIX} bureau", kind=UnitKind.BUREAU, parent=district)
            street = Unit.objects.create(name=f"{PREFIX} street", kind=UnitKind.STREET, parent=district)
            cadre = User.objects.create(username=f"{PREFIX.lower()}-cadre")
            filer = User.objects.create(username=f"{PREFIX.lower()}-filer")
            supervisor = User.objects.create(username=f"{PREFIX.lower()}-supervisor")
            UnitMembership.objects.create(user=cadre, unit=unit, role=Role.CADRE)
            UnitMembership.objects.create(user=supervisor, unit=district, role=Role.SUPERVISOR, jurisdiction=district)
            code = "91230109LEDGER000"
            enterprise = Enterprise.objects.create(
                name=f"{PREFIX} enterprise", credit_code=code + check_character(code), township=street
            )
            category = Category.objects.first()
        filed = now - timedelta(days=20)
        for start in range(0, total, CHUNK):
            with transaction.atomic():
                rows = Case.objects.bulk_create(
                    self.case(index, enterprise=enterprise, filer=filer, category=category, cadre=cadre, unit=unit)
                    for index in range(start, min(start + CHUNK, total))
                )
                if rows[0].pk is None:
                    rows = list(Case.objects.filter(number__in=[row.number for row in rows]).only("pk", "number"))
                DeadlineCycle.objects.bulk_create(
                    DeadlineCycle(
                        case_id=row.pk,
                        kind=ClockKind.RESOLUTION,
                        started_by="assign",
                        started_at=filed,
                        workdays=7,
                        due_at=filed + timedelta(days=9),
                        responsible=cadre,
                        unit=unit,
                        ended_at=filed + timedelta(days=8) if index % 2 else None,
                        outcome="met" if index % 2 else "",
                    )
                    for index, row in enumerate(rows, start=start)
                )
                ExtensionRequest.objects.bulk_create(
                    ExtensionRequest(
                        case_id=row.pk,
                        requested_by=cadre,
                        reason="benchmark",
                        current_due_at=filed + timedelta(days=9),
                        requested_due_at=filed + timedelta(days=16),
                        state=ExtensionState.APPROVED,
                        decided_by=supervisor,
                        decided_at=filed + timedelta(days=5),
                    )
                    for index, row in enumerate(rows, start=start)
                    if index % 10 == 0
                )
        return supervisor

    def case(self, index: int, *, enterprise, filer, category, cadre, unit) -> Case:
        now = timezone.now()
        closed = index % 2 == 1
        return Case(
            number=f"{PREFIX}-{index:08d}",
            enterprise=enterprise,
            filed_by=filer,
            category=category,
            title=f"benchmark {index}",
            description="benchmark",
            state=CaseState.CLOSED if closed else CaseState.ASSIGNED,
            assignee=cadre,
            responsible_unit=unit,
            filed_at=now - timedelta(days=20),
            assigned_at=now - timedelta(days=20),
            accepted_at=now - timedelta(days=19),
            resolution_due_at=None if closed else now - timedelta(days=11),
            resolved_at=now - timedelta(days=12) if closed else None,
            resolution_type=ResolutionType.SOLVED if closed else "",
            closed_at=now - timedelta(days=11) if closed else None,
            closure=Closure.CONFIRMED if closed else "",
            satisfaction=5 if closed else None,
        )

    def remove(self) -> None:
        """Raw deletes: the ORM's cascade collector would load every row first."""
        case_ids = Case.objects.filter(number__startswith=PREFIX).values("pk")
        users = f"{PREFIX.lower()}-"
        with transaction.atomic():
            Notification.objects.filter(recipient__username__startswith=users)._raw_delete("default")
            LedgerExport.objects.filter(requested_by__username__startswith=users)._raw_delete("default")
            ExtensionRequest.objects.filter(case_id__in=case_ids)._raw_delete("default")
            DeadlineCycle.objects.filter(case_id__in=case_ids)._raw_delete("default")
            Case.objects.filter(number__startswith=PREFIX)._raw_delete("default")
            Enterprise.objects.filter(name__startswith=PREFIX).delete()
            UnitMembership.objects.filter(user__username__startswith=users).delete()
            User.objects.filter(username__startswith=users).delete()
            Unit.objects.filter(name__startswith=PREFIX, parent__isnull=False).delete()
            Unit.objects.filter(name__startswith=PREFIX).delete()
