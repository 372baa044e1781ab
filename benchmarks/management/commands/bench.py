"""Measure Huiyin at scale against its floors: ``manage.py bench [--only NAME] [--repeat K] [--http]``.

Run it on a dataset from ``seed_scale`` (docs/benchmarks.md). It prints one table per kind of work and
writes them into docs/benchmarks.md, replacing its previous section for the same database and size.
"""

import math
import os
import shlex
import sys
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max
from django.test import override_settings
from django.utils.dateparse import parse_datetime

from benchmarks import over_http, report, suite
from cases.models import Case, CaseEvent
from config.process import settle_web_process
from workflow.models import DeadlineCycle

JOBS = ("sweep", "ledger")


def dataset_moment() -> datetime:
    """The minute after the newest event: the moment ``seed_scale`` built the data to stand at."""
    newest = CaseEvent.objects.aggregate(newest=Max("created_at"))["newest"]
    if newest is None:
        raise CommandError("The database has no cases: build a dataset with manage.py seed_scale first.")
    return (newest + timedelta(minutes=1)).replace(second=0, microsecond=0)


NAMES = frozenset([b.name for b in suite.LISTS + suite.PAGES + suite.RATES] + list(JOBS))
MENU = "menu"  # every page of each person's menu (menu-<person>-<page>), named once the dataset's people are known
ORDERS = "orders"  # the case list in each order and filter as four people (orders-<person>-<variant>), likewise


def chosen(name: str, only: list[str]) -> bool:
    """Named exactly, or by a group's prefix that is no benchmark's own name ('rates' for every rates-…)."""
    return not only or any(name == wanted or (wanted not in NAMES and name.startswith(f"{wanted}-")) for wanted in only)


class Command(BaseCommand):
    help = "Time pages, lists and jobs against their floors on a seed_scale dataset; write docs/benchmarks.md."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            help=f"Run only these (repeatable; 'rates' for every ranking, 'menu' for every menu's pages, 'orders' for "
            "the case list's orders and filters): "
            f"{', '.join(sorted(NAMES))}",
        )
        parser.add_argument("--repeat", type=int, default=7, help="Alternations of page and floor (default 7).")
        parser.add_argument("--quick", action="store_true", help="One repetition: does every benchmark still run?")
        parser.add_argument("--http", action="store_true", help="Also the queue over HTTP: gunicorn and wrk.")
        parser.add_argument("--http-seconds", type=int, default=10, help="Length of each wrk run (default 10).")
        parser.add_argument("--http-rounds", type=int, default=3, help="wrk runs per server (default 3).")
        parser.add_argument("--at", help="The moment to run at, ISO 8601 (default: the dataset's own).")
        parser.add_argument("--no-docs", action="store_true", help="Print only; leave docs/benchmarks.md alone.")

    def handle(self, *args, only, repeat, quick, http, http_seconds, http_rounds, at, no_docs, **options) -> None:
        import time_machine  # a development tool, as this whole app is

        repeat = 1 if quick else repeat
        if http and (reason := over_http.unable()):
            raise CommandError(reason)
        load = os.getloadavg()[0]
        moment = parse_datetime(at) if at else dataset_moment()
        if moment is None or moment.tzinfo is None:
            raise CommandError("--at needs an ISO 8601 moment with a zone.")
        self.prepare_static_files()
        lists, pages, timed, jobs, menus, orders = [], [], [], [], [], []
        # DEBUG off as in production (with it, Django keeps every query); the test client's host allowed; the
        # bench's own addresses beside Huiyin's.
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        served = override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, ROOT_URLCONF="benchmarks.urls")
        with time_machine.travel(moment, tick=False), served:
            context = suite.Context.load(moment)
            settle_web_process()  # measured as the web and Celery workers run
            self.say(
                f"{context.case_count:,} cases at {moment.isoformat()}: cadre {context.cadre.username}, supervisor "
                f"{context.supervisor.username}, dispatcher {context.dispatcher.username}, "
                f"contact {context.contact.username}"
            )
            for benchmark in suite.LISTS:
                if chosen(benchmark.name, only):
                    result = suite.run_list(benchmark, context, repeat)
                    lists.append(result)
                    self.say(
                        f"{benchmark.name}: {report.duration(suite.p50(result.page_seconds))} against "
                        f"{report.duration(suite.p50(result.floor_seconds))}, {result.queries} queries, "
                        f"rows {'agree' if result.agree else 'DIFFER'}"
                    )
            # A page timed alone, and the rankings (each first counted live: half the repetitions).
            for benchmarks, run, results, times in (
                (suite.PAGES, suite.run_page, pages, repeat),
                (suite.RATES, suite.run_timed, timed, max(1, math.ceil(repeat / 2))),
            ):
                for benchmark in benchmarks:
                    if chosen(benchmark.name, only):
                        result = run(benchmark, context, times)
                        results.append(result)
                        self.say(
                            f"{benchmark.name}: {report.duration(suite.p50(result.seconds))}, {result.queries} queries"
                        )
            # The menus are read from the people's start pages only when some menu page is asked for.
            for group, benchmarks_of, results in (
                (MENU, suite.menu_pages, menus),
                (ORDERS, suite.case_list_orders, orders),
            ):
                if not only or any(wanted == group or wanted.startswith(f"{group}-") for wanted in only):
                    for benchmark in benchmarks_of(context):
                        if chosen(benchmark.name, only):
                            results.append(suite.run_page(benchmark, context, max(1, math.ceil(repeat / 2))))
                if results:
                    slowest = report.duration(max(suite.p50(result.seconds) for result in results))
                    self.say(f"{group}: {len(results)} pages, slowest {slowest}")
            for name, run in (("sweep", suite.run_sweep), ("ledger", suite.run_ledger)):
                if chosen(name, only):
                    result = run(context)
                    jobs.append(result)
                    self.say(
                        f"{name}: {report.duration(result.seconds[0])}, {result.queries:,} queries; {result.detail}"
                    )
            overdue = suite.overdue_count(context)
            clocks = DeadlineCycle.objects.count()
        http_result = None
        if http:
            http_result = over_http.run_http(context, rounds=http_rounds, seconds=http_seconds, say=self.say)
        text = report.section(
            cases=Case.objects.count(),
            overdue=overdue,
            clocks=clocks,
            at=moment,
            load=load,
            repeat=repeat,
            command="manage.py bench " + shlex.join(sys.argv[2:]),
            lists=lists,
            pages=pages,
            timed=timed,
            jobs=jobs,
            menus=menus,
            orders=orders,
            http=http_result,
        )
        self.stdout.write("\n" + text)
        if not no_docs and not only:
            path = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
            report.write_section(path, f"{report.database_name()} {context.case_count}", text)
            self.say(f"written into {path}")
        differing = [r.benchmark.name for r in lists if not r.agree]
        if http_result is not None and not http_result.agree:
            differing.append("http")
        if differing:
            raise CommandError(f"Floor and page returned different rows: {', '.join(differing)}")

    def prepare_static_files(self) -> None:
        """Pages name their static files through the manifest when DEBUG is off, as in production."""
        if isinstance(staticfiles_storage, ManifestFilesMixin):
            try:
                staticfiles_storage.stored_name("web/huiyin.css")
            except ValueError:
                call_command("collectstatic", interactive=False, verbosity=0)
                staticfiles_storage.hashed_files, staticfiles_storage.manifest_hash = (
                    staticfiles_storage.load_manifest()
                )

    def say(self, message: str) -> None:
        self.stdout.write(f"  {message}")
        self.stdout.flush()
