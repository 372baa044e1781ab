"""The benchmark's tables, and its section of docs/benchmarks.md (one per database and dataset size)."""

import os
import platform
import re
from datetime import datetime
from pathlib import Path
from statistics import median

import django
from django.db import connection

from .over_http import HttpResult
from .suite import ListResult, TimedResult, p50, p95
from .urls import SIGNED_IN_API, SIGNED_IN_PAGE
from .workdays import SHANGHAI

# django-helpdesk 2.6.1 at 1,000,000 cases on the project's machine, as issue 11 reports it.
HELPDESK = (
    "For comparison, django-helpdesk 2.6.1 at 1,000,000 cases on the same machine (issue 11): the queue's page "
    "of 25 in 65 ms with 80 queries, 34 requests/s over HTTP; it has no overdue view and no rankings."
)


def duration(seconds: float) -> str:
    milliseconds = seconds * 1000
    if milliseconds < 10:
        return f"{milliseconds:.2f} ms"
    if milliseconds < 100:
        return f"{milliseconds:.1f} ms"
    if milliseconds < 10_000:
        return f"{milliseconds:,.0f} ms"
    return f"{seconds:,.1f} s"


def size(count: int) -> str:
    if count < 10_000:
        return f"{count:,} B"
    if count < 2**20:
        return f"{count / 1024:,.0f} KiB"
    return f"{count / 2**20:,.1f} MiB"


def list_table(results: list[ListResult]) -> list[str]:
    lines = [
        "| work | Huiyin p50 | p95 | queries | response | floor p50 | p95 | floor body | ratio | rows | same rows "
        "| signed-in, no rows | that + floor, ÷ floor | the list's own cost ÷ floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for result in results:
        page, floor = p50(result.page_seconds), p50(result.floor_seconds)
        signed_in = p50(result.signed_in_seconds)
        lines.append(
            f"| {result.benchmark.work} | {duration(page)} | {duration(p95(result.page_seconds))} | "
            f"{result.queries} | {size(result.page_bytes)} | {duration(floor)} | "
            f"{duration(p95(result.floor_seconds))} | {size(result.floor_bytes)} | {page / floor:,.1f}× | "
            f"{result.rows} | {'yes' if result.agree else '**NO**'} | {duration(signed_in)} | "
            f"{(signed_in + floor) / floor:,.1f}× | {max(page - signed_in, 0) / floor:,.1f}× |"
        )
    return lines


def timed_table(results: list[TimedResult]) -> list[str]:
    lines = ["| work | p50 | slowest | queries | response | what |", "|---|---:|---:|---:|---:|---|"]
    for result in results:
        lines.append(
            f"| {result.benchmark.work} | {duration(p50(result.seconds))} | {duration(max(result.seconds))} | "
            f"{result.queries:,} | {size(result.size) if result.size else ''} | {result.detail} |"
        )
    return lines


def http_table(result: HttpResult) -> list[str]:
    huiyin, floor = median(result.huiyin), median(result.floor)
    return [
        "| server (gunicorn, 2 sync workers, wrk -c4) | requests/s (median) | runs | median latency | same rows |",
        "|---|---:|---|---|---|",
        f"| Huiyin, the queue API page of 25 | {huiyin:,.0f} | {', '.join(f'{r:,.0f}' for r in result.huiyin)} | "
        f"{', '.join(result.huiyin_latency)} | {'yes' if result.agree else '**NO**'} |",
        f"| bare WSGI app serving the floor query | {floor:,.0f} | {', '.join(f'{r:,.0f}' for r in result.floor)} | "
        f"{', '.join(result.floor_latency)} | |",
        f"| Huiyin, a signed-in answer with no rows ({SIGNED_IN_API}) | {median(result.signed_in):,.0f} | "
        f"{', '.join(f'{r:,.0f}' for r in result.signed_in)} | {', '.join(result.signed_in_latency)} | |",
        f"| Huiyin / floor | {huiyin / floor:.2f} | | | |",
        f"| the signed-in answer with no rows / floor | {median(result.signed_in) / floor:.2f} | | | |",
    ]


def machine(load: float) -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f", {total_kib / 2**20:.0f} GiB memory"
    return (
        f"{os.cpu_count()} cores{memory}, load average {load:.1f} at the start; {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, Django {django.get_version()}, {database_version()}"
    )


def database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0].split()[0]
            cursor.execute("SELECT pg_database_size(current_database())")
            return f"PostgreSQL {version} (database {cursor.fetchone()[0] / 2**30:.1f} GiB)"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.vendor


def database_name() -> str:
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(connection.vendor, connection.vendor)


def section(
    *,
    cases: int,
    overdue: int,
    clocks: int,
    at: datetime,
    load: float,
    repeat: int,
    command: str,
    lists: list[ListResult],
    pages: list[TimedResult],
    timed: list[TimedResult],
    jobs: list[TimedResult],
    http: HttpResult | None,
    menus: list[TimedResult],
    orders: list[TimedResult],
) -> str:
    lines = [
        f"## {cases:,} cases on {database_name()}",
        "",
        f"`{command}` on {datetime.now(tz=SHANGHAI):%Y-%m-%d}: {machine(load)}. The dataset ({cases:,} cases, "
        f"{clocks:,} deadline clocks, {overdue:,} overdue) stands at {at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} "
        f"Asia/Shanghai, the clock every request ran at. Each page was alternated with its floor {repeat} times, "
        "in a process settled as the workers are (its loaded objects frozen: `config.process`); compare the "
        "ratios, not the milliseconds, across runs.",
        "",
    ]
    if lists:
        lines += [
            "Pages and lists against their floor (one SQL query for the same rows, plus `json.dumps`). The last "
            "three columns: the same person signed in and answered nothing, alternated with the page (the bench's "
            f"own {SIGNED_IN_PAGE}, the base template with its menu and badge, for a page; {SIGNED_IN_API}, an empty "
            "answer, for the API; each after the person's roles, as every list: `benchmarks/views.py`); that "
            "answer and the floor together against the floor, the least any list inside Django could reach; and "
            "what the list adds to that answer against the floor:",
            "",
        ]
        lines += list_table(lists) + [""]
    if http is not None:
        lines += [f"Over HTTP ({http.seconds} s per wrk run, alternating):", ""] + http_table(http) + [""]
    if pages:
        lines += ["Pages, timed alone (no floor; the last column: the page asked for):", ""]
        lines += timed_table(pages) + [""]
    if timed:
        lines += ["Rankings (the rates API as the district supervisor, from a snapshot of counts; no floor):", ""]
        lines += timed_table(timed) + [""]
    if jobs:
        lines += ["Jobs, timed directly:", ""] + timed_table(jobs) + [""]
    if menus:
        lines += [
            "Every page of each person's main menu, as they open it (no floor; p50 of half the repetitions; the "
            "people are the lists' above, and the head of the unit with the most cases):",
            "",
        ]
        lines += timed_table(menus) + [""]
    if orders:
        lines += [
            "The case list (API) in every order it offers and under its narrowing filters, as the cadre, the head of "
            "the unit with the most cases, the district supervisor and the 包保 leader serving the most enterprises "
            "(no floor; p50 of half the repetitions):",
            "",
        ]
        lines += timed_table(orders) + [""]
    lines += [HELPDESK, ""]
    return "\n".join(lines)


def write_section(path: Path, key: str, text: str) -> None:
    """Put the section between its markers, replacing the previous run's for the same database and size."""
    start, end = f"<!-- bench {key} -->", f"<!-- /bench {key} -->"
    block = f"{start}\n{text}{end}\n"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        updated = before + block + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    path.write_text(updated)
