"""The benchmarks of issue 11: each page, list and job, Huiyin's real path measured against its floor.

Pages and the API are requested in-process through Django's test client at their real URLs, as a
representative person of the dataset (a cadre with a full queue, a district supervisor, a dispatcher,
an enterprise contact), with the clock at the dataset's moment. Each is alternated with its floor
(``floors.py``) ``repeat`` times, because these machines drift by 20–50 % between runs: the ratio of
the two, measured side by side, is the figure to compare. The jobs (sweep, ledger, rankings) are timed
directly. Only models, URLs, settings and SQL are used, never the app's internal functions, so the
harness survives the code moving around it.
"""

import ctypes
import gc
import html
import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from time import perf_counter
from typing import Any
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import Case, CaseState
from core.statements import prepared
from enterprises.models import EnterpriseContact, Role, ServiceAssignment, Unit, UnitMembership
from supervision.ledger.models import LedgerExport
from supervision.rates.models import RatesSnapshot
from workflow.filters import CASE_ORDERING_FIELDS
from workflow.models import ClockKind, DeadlineCycle

from . import floors
from .floors import Query
from .urls import SIGNED_IN_API, SIGNED_IN_PAGE
from .vocabulary import NAME_FORMS
from .workdays import SHANGHAI, Workdays

User = get_user_model()

SEARCH_WORDS = "线缆"  # 园区专用电力线缆需增容: one of the problems the seeds describe
LEDGER_SHARE = 0.10  # the ledger of about a tenth of the cases: 100,000 of a province's million
SWEEP_SHARE = 0.05  # clocks whose reminder falls due at once: 50,000 of a million


class BenchmarkError(Exception):
    """A page answered with an error, or a job failed: the harness stops rather than time an error page."""


class QueryCounter:
    """Counts queries without keeping them (Django's own log needs DEBUG and stops at 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def fetch(query: Query) -> list[tuple]:
    """A floor's rows, from a prepared statement: psycopg prepares a statement run five times unless told not to,
    so a hand-written server's floor is planned once (as ``bench --http``'s floor app is); unprepared, planning the
    queue's floor took longer than running it."""
    params = [
        connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value
        for value in query.params
    ]
    with prepared(), connection.cursor() as cursor:
        cursor.execute(query.sql, params)
        return cursor.fetchall()


# --- who and what the benchmarks ask for ---------------------------------------------------------------------


def most_shared(rows: QuerySet, column: str) -> Any:
    """The value of ``column`` the most ``rows`` share (the smallest of a tie), or None without rows: the busiest
    enterprise, unit or leader, whose people have the widest lists."""
    top = rows.values(column).annotate(rows=Count("pk")).order_by("-rows", column).first()
    return top[column] if top else None


@dataclass
class Context:
    """The dataset's moment, its representative people and the values the benchmarks ask for."""

    at: datetime
    cadre: object
    cadre_case: int  # the middle one of the cadre's assigned cases, by id
    supervisor: object
    dispatcher: object
    contact: object
    unit_head: object  # the head of the unit answering for the most cases
    leader: object  # the 包保 leader serving the most enterprises
    scope: frozenset[int] | None  # the supervisor's units; None when they cover every unit
    jurisdiction_units: frozenset[int]
    contact_enterprises: list[int]
    case_count: int
    sample_number: str
    sample_enterprise_name: str  # the busiest enterprise's name as one types it
    busiest_category: int  # the category with the most cases
    ledger_filed_after: datetime
    clients: dict = field(default_factory=dict)

    @classmethod
    def load(cls, at: datetime) -> "Context":
        supervisor_membership = (
            UnitMembership.objects.filter(role=Role.SUPERVISOR, jurisdiction__parent__isnull=True)
            .order_by("pk")
            .first()
        ) or UnitMembership.objects.filter(role=Role.SUPERVISOR).order_by("pk").first()
        dispatcher_membership = UnitMembership.objects.filter(role=Role.DISPATCHER).order_by("pk").first()
        if supervisor_membership is None or dispatcher_membership is None:
            raise BenchmarkError("No supervisor or dispatcher: seed a dataset with manage.py seed_scale first.")
        parents = dict(Unit.objects.values_list("pk", "parent_id"))
        root = supervisor_membership.jurisdiction_id or supervisor_membership.unit_id
        subtree = frozenset(unit for unit in parents if root in lineage(unit, parents))
        case_count = Case.objects.count()
        bounds = Case.objects.aggregate(low=Min("pk"), high=Max("pk"))
        middle = Case.objects.filter(pk__gte=(bounds["low"] + bounds["high"]) // 2).order_by("pk").first()
        busiest_enterprise = most_shared(
            Case.objects.filter(enterprise_id__in=EnterpriseContact.objects.values("enterprise_id")), "enterprise_id"
        )
        contact = EnterpriseContact.objects.filter(enterprise_id=busiest_enterprise).order_by("pk").first()
        enterprise_name = contact.enterprise.name
        cadre = busiest_serving_cadre()
        busiest_unit = most_shared(Case.objects.filter(responsible_unit__isnull=False), "responsible_unit_id")
        head = UnitMembership.objects.filter(role=Role.UNIT_HEAD, unit_id=busiest_unit).order_by("pk").first()
        if head is None:
            raise BenchmarkError("No unit head of a unit with cases: seed a dataset with manage.py seed_scale first.")
        leader = most_shared(ServiceAssignment.objects.filter(ended_at__isnull=True, leader__isnull=False), "leader_id")
        if leader is None:
            raise BenchmarkError("No 包保 leader serves an enterprise: seed a dataset with manage.py seed_scale first.")
        assigned = Case.objects.filter(assignee=cadre, state=CaseState.ASSIGNED).order_by("pk")
        return cls(
            at=at,
            cadre=cadre,
            cadre_case=assigned.values_list("pk", flat=True)[assigned.count() // 2],
            supervisor=supervisor_membership.user,
            dispatcher=dispatcher_membership.user,
            contact=contact.user,
            unit_head=head.user,
            leader=User.objects.get(pk=leader),
            scope=None if subtree == frozenset(parents) else subtree,
            jurisdiction_units=subtree,
            contact_enterprises=sorted(
                EnterpriseContact.objects.filter(user=contact.user).values_list("enterprise_id", flat=True)
            ),
            case_count=case_count,
            sample_number=middle.number,
            sample_enterprise_name=without_legal_form(enterprise_name),
            busiest_category=most_shared(Case.objects.all(), "category_id"),
            ledger_filed_after=Case.objects.order_by("-filed_at").values_list("filed_at", flat=True)[
                max(0, int(case_count * LEDGER_SHARE) - 1)
            ],
        )

    def client(self, user, *, api: bool) -> tuple[Client, dict]:
        """A signed-in browser for pages; for the API a token, as the issue's figures were taken."""
        key = (user.pk, api)
        if key not in self.clients:
            client = Client()
            if api:
                Token.objects.filter(user=user).delete()
                headers = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}
            else:
                client.force_login(user)
                headers = {}
            self.clients[key] = (client, headers)
        return self.clients[key]


def without_legal_form(name: str) -> str:
    """'北疆鸿运包装有限责任公司' → '北疆鸿运包装': what one types to find a company (a name made unique by a
    number after its legal form loses that too)."""
    starts = [name.find(form) for form in NAME_FORMS if name.find(form) > 0]
    return name[: min(starts)] if starts else name


def lineage(unit_id: int | None, parents: dict) -> set[int]:
    found: set[int] = set()
    while unit_id is not None and unit_id not in found:
        found.add(unit_id)
        unit_id = parents.get(unit_id)
    return found


def busiest_serving_cadre():
    """The cadre with the most assigned cases among those who serve enterprises (for the served list too)."""
    serving = ServiceAssignment.objects.filter(ended_at__isnull=True)
    serving_ids = set(serving.values_list("cadre_id", flat=True)) | set(
        serving.values_list("local_contact_id", flat=True)
    )
    busiest = (
        Case.objects.filter(state=CaseState.ASSIGNED, assignee__unit_memberships__role=Role.CADRE)
        .values("assignee_id")
        .annotate(cases=Count("pk"))
        .order_by("-cases", "assignee_id")
    )
    for row in busiest[:200]:
        if row["assignee_id"] in serving_ids:
            return User.objects.get(pk=row["assignee_id"])
    raise BenchmarkError("No cadre both serves enterprises and has assigned cases: seed with manage.py seed_scale.")


# --- the lists: page against floor -----------------------------------------------------------------------------


def api_ids(content: bytes) -> list[int]:
    return [row["id"] for row in json.loads(content)["results"]]


def html_ids(pattern: str) -> Callable[[bytes], list[int]]:
    """Ids in the order of their first appearance in the page."""
    compiled = re.compile(pattern)

    def ids(content: bytes) -> list[int]:
        return list(dict.fromkeys(int(found) for found in compiled.findall(content.decode())))

    return ids


def html_rows(pattern: str) -> Callable[[bytes], list[int]]:
    """Ids of a page's rows of two lists in the order of their first appearance; the pattern's groups are the
    list and the id, since the two lists number their rows apart."""
    compiled = re.compile(pattern)

    def ids(content: bytes) -> list[int]:
        return [int(found) for _kind, found in dict.fromkeys(compiled.findall(content.decode()))]

    return ids


@dataclass(frozen=True)
class ListBenchmark:
    name: str
    work: str
    persona: str
    api: bool
    url: Callable[[Context], str]
    floor: Callable[[Context], Query]
    ids: Callable[[bytes], list[int]]


def queue_url(context: Context) -> str:
    query = [
        ("assignee", context.cadre.pk),
        ("state", CaseState.ASSIGNED),
        ("state", CaseState.RESOLVED),
        ("ordering", "resolution_due_at"),
        ("page_size", 25),
    ]
    return f"/api/v1/cases/?{urlencode(query)}"


LISTS = (
    ListBenchmark(
        "queue",
        "cadre's queue, API page of 25",
        "cadre",
        True,
        queue_url,
        lambda c: floors.queue_api(assignee_id=c.cadre.pk, page_size=25),
        api_ids,
    ),
    ListBenchmark(
        "queue-page",
        "cadre's queue page (/queue/)",
        "cadre",
        False,
        lambda c: "/queue/",
        lambda c: floors.queue_page(assignee_id=c.cadre.pk, now=c.at, page_size=20),
        html_ids(r'id="queue-case-(\d+)"'),
    ),
    ListBenchmark(
        "overdue",
        "supervisor's overdue list + count, API",
        "supervisor",
        True,
        lambda c: "/api/v1/supervision/overdue/?page_size=25",
        lambda c: floors.overdue(now=c.at, scope=c.scope, page_size=25),
        api_ids,
    ),
    ListBenchmark(
        "overdue-board",
        "supervisor's overdue board page",
        "supervisor",
        False,
        lambda c: "/supervision/overdue/",
        lambda c: floors.overdue(now=c.at, scope=c.scope, page_size=25),
        html_ids(r'<tr id="case-(\d+)"'),
    ),
    ListBenchmark(
        "search-number",
        "search by case number, API",
        "supervisor",
        True,
        lambda c: f"/api/v1/cases/?{urlencode({'search': c.sample_number})}",
        lambda c: floors.search_number(number=c.sample_number, page_size=20),
        api_ids,
    ),
    ListBenchmark(
        "search-title",
        f"search by title ({SEARCH_WORDS}), API",
        "supervisor",
        True,
        lambda c: f"/api/v1/cases/?{urlencode({'search': SEARCH_WORDS})}",
        lambda c: floors.search_title(words=SEARCH_WORDS, page_size=20),
        api_ids,
    ),
    ListBenchmark(
        "search-enterprise",
        "search by enterprise name, API",
        "supervisor",
        True,
        lambda c: f"/api/v1/cases/?{urlencode({'search': c.sample_enterprise_name})}",
        lambda c: floors.search_enterprise(
            name=c.sample_enterprise_name, page_size=20, postgresql=connection.vendor == "postgresql"
        ),
        api_ids,
    ),
    ListBenchmark(
        "cases-newest",
        "the district's cases, newest first, API",
        "supervisor",
        True,
        lambda c: "/api/v1/cases/?ordering=-filed_at&page_size=25",
        lambda c: floors.district_cases(order=(("filed_at", "DESC"), ("id", "DESC")), scope=c.scope, page_size=25),
        api_ids,
    ),
    ListBenchmark(
        "cases-changed",
        "the district's cases, last changed first, API",
        "supervisor",
        True,
        lambda c: "/api/v1/cases/?ordering=-updated_at&page_size=25",
        lambda c: floors.district_cases(order=(("updated_at", "DESC"), ("id", "DESC")), scope=c.scope, page_size=25),
        api_ids,
    ),
    ListBenchmark(
        "cases-latest-due",
        "the district's assigned cases, latest resolution deadline first, API",
        "supervisor",
        True,
        lambda c: "/api/v1/cases/?state=assigned&ordering=-resolution_due_at&page_size=25",
        lambda c: floors.district_cases(
            order=(("resolution_due_at", "DESC NULLS LAST"), ("id", "DESC")),
            scope=c.scope,
            page_size=25,
            state=CaseState.ASSIGNED,
        ),
        api_ids,
    ),
    ListBenchmark(
        "dispatch",
        "dispatcher's routing list (/dispatch/)",
        "dispatcher",
        False,
        lambda c: "/dispatch/",
        lambda c: floors.dispatch(page_size=20),
        html_ids(r'<h2><a href="/cases/(\d+)/"'),
    ),
    ListBenchmark(
        "my-cases",
        "enterprise's problems (/my/cases/)",
        "contact",
        False,
        lambda c: "/my/cases/",
        lambda c: floors.my_cases(enterprise_ids=c.contact_enterprises, page_size=20),
        html_ids(r'<a href="/cases/(\d+)/"'),
    ),
    ListBenchmark(
        "served",
        "cadre's served enterprises (/served/)",
        "cadre",
        False,
        lambda c: "/served/",
        lambda c: floors.served(
            user_id=c.cadre.pk, now=c.at, page_size=20, postgresql=connection.vendor == "postgresql"
        ),
        html_ids(r'href="\?enterprise=(\d+)'),
    ),
    ListBenchmark(
        "inbox",
        "cadre's inbox (/inbox/)",
        "cadre",
        False,
        lambda c: "/inbox/",
        lambda c: floors.inbox(user_id=c.cadre.pk, now=c.at, page_size=20),
        html_ids(r'formaction="/inbox/(\d+)/read/"'),
    ),
    ListBenchmark(
        "rectifications",
        "rectifications (/supervision/rectifications/)",
        "supervisor",
        False,
        lambda c: "/supervision/rectifications/",
        lambda c: floors.rectifications(scope=c.scope, page_size=20),
        html_ids(r'id="rectification-(\d+)"'),
    ),
    ListBenchmark(
        "meetings",
        "joint review meetings (/supervision/meetings/)",
        "supervisor",
        False,
        lambda c: "/supervision/meetings/",
        lambda c: floors.meetings(
            jurisdiction_ids=c.jurisdiction_units,
            scope=c.scope,
            page_size=20,
            postgresql=connection.vendor == "postgresql",
        ),
        html_rows(r'id="(meeting|flag)-(\d+)"'),
    ),
    ListBenchmark(
        "circulars",
        "circulars (/supervision/circulars/)",
        "supervisor",
        False,
        lambda c: "/supervision/circulars/",
        lambda c: floors.circulars(drafted_in=c.jurisdiction_units, page_size=20),
        html_ids(r'id="circular-(\d+)"'),
    ),
)


# Runs before the timed ones, as a worker that has served for a while: templates and caches loaded, the database's
# buffers warm, and each prepared statement past the five runs PostgreSQL plans it for before settling its plan.
# A shorter run (``--quick``, asking only whether everything still runs) warms up as often as it repeats.
WARM_UP_RUNS = 6


def warm_up_runs(repeat: int) -> int:
    return min(repeat, WARM_UP_RUNS)


@dataclass
class ListResult:
    benchmark: ListBenchmark
    page_seconds: list[float] = field(default_factory=list)
    floor_seconds: list[float] = field(default_factory=list)
    signed_in_seconds: list[float] = field(default_factory=list)
    queries: int = 0
    page_bytes: int = 0
    floor_bytes: int = 0
    rows: int = 0
    page_ids: list[int] = field(default_factory=list)
    floor_ids: list[int] = field(default_factory=list)
    agree: bool = False


def request(client: Client, url: str, headers: dict) -> tuple[float, int, bytes]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = perf_counter()
        response = client.get(url, **headers)
        elapsed = perf_counter() - started
    if response.status_code != 200:
        raise BenchmarkError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return elapsed, counter.count, response.content


def run_list(benchmark: ListBenchmark, context: Context, repeat: int) -> ListResult:
    client, headers = context.client(getattr(context, benchmark.persona), api=benchmark.api)
    url, query = benchmark.url(context), benchmark.floor(context)
    signed_in_url = SIGNED_IN_API if benchmark.api else SIGNED_IN_PAGE
    result = ListResult(benchmark)

    def page() -> None:
        elapsed, result.queries, content = request(client, url, headers)
        result.page_seconds.append(elapsed)
        result.page_bytes = len(content)
        result.page_ids = benchmark.ids(content)

    def signed_in() -> None:
        result.signed_in_seconds.append(request(client, signed_in_url, headers)[0])

    def floor() -> None:
        started = perf_counter()
        rows = fetch(query)
        body = floors.payload(query, rows)
        result.floor_seconds.append(perf_counter() - started)
        result.floor_bytes, result.rows = len(body), len(rows)
        result.floor_ids = [row[0] for row in rows]

    for _warm_up in range(warm_up_runs(repeat)):
        page(), floor(), signed_in()
    result.page_seconds.clear(), result.floor_seconds.clear(), result.signed_in_seconds.clear()
    for round_number in range(repeat):
        for step in (page, floor, signed_in) if round_number % 2 == 0 else (signed_in, floor, page):
            step()
    result.agree = result.page_ids == result.floor_ids
    return result


# --- timed work without a floor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedBenchmark:
    name: str
    work: str
    persona: str
    url: Callable[[Context], str]


@dataclass
class TimedResult:
    benchmark: TimedBenchmark
    seconds: list[float] = field(default_factory=list)
    queries: int = 0
    size: int = 0
    detail: str = ""


def periods(at: datetime) -> dict[str, str]:
    """The last whole month and quarter before the dataset's moment, and its year so far."""
    local = at.astimezone(SHANGHAI)
    month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    quarter = (local.month - 1) // 3
    quarter = (local.year, quarter) if quarter else (local.year - 1, 4)
    return {"month": f"{month[0]}-{month[1]:02d}", "quarter": f"{quarter[0]}-Q{quarter[1]}", "year": str(local.year)}


RATES = tuple(
    TimedBenchmark(
        f"rates-{by}-{span}",
        f"rankings by {by} over a {span}",
        "supervisor",
        lambda c, by=by, span=span: (
            f"/api/v1/supervision/rates/?{urlencode({'period': periods(c.at)[span], 'by': by})}"
        ),
    )
    for by in ("unit", "cadre")
    for span in ("month", "quarter", "year")
)


# A page number past the last of any list: a page asked for it shows its last.
PAST_THE_LAST = 999_999

# Pages timed alone: what cadres open most, the lists whose gate is widest for a unit's head, and the end of the
# longest lists.
PAGES = (
    TimedBenchmark("case-page", "one case's page as its cadre", "cadre", lambda c: f"/cases/{c.cadre_case}/"),
    TimedBenchmark(
        "unit-rectifications",
        "rectifications as the head of the unit with the most cases",
        "unit_head",
        lambda c: "/supervision/rectifications/",
    ),
    TimedBenchmark(
        "unit-extensions",
        "extension requests to decide and decided as the head of the unit with the most cases",
        "unit_head",
        lambda c: "/supervision/extensions/",
    ),
    TimedBenchmark(
        "unit-rectifications-api",
        "rectifications, API, as the head of the unit with the most cases",
        "unit_head",
        lambda c: "/api/v1/supervision/rectifications/",
    ),
    TimedBenchmark(
        "unit-extensions-api",
        "extension requests, API, as the head of the unit with the most cases",
        "unit_head",
        lambda c: "/api/v1/extensions/",
    ),
    TimedBenchmark(
        "unit-queue", "the queue as the head of the unit with the most cases", "unit_head", lambda c: "/queue/"
    ),
    TimedBenchmark(
        "unit-cases",
        "the case list, API, as the head of the unit with the most cases",
        "unit_head",
        lambda c: "/api/v1/cases/",
    ),
    TimedBenchmark(
        "dispatch-last",
        "the dispatcher's routing list, its last page",
        "dispatcher",
        lambda c: f"/dispatch/?page={PAST_THE_LAST}",
    ),
    TimedBenchmark(
        "unit-queue-last",
        "the queue as the head of the unit with the most cases, its last page",
        "unit_head",
        lambda c: f"/queue/?page={PAST_THE_LAST}",
    ),
    TimedBenchmark(
        "overdue-category",
        "the overdue board of the category with the most cases, as the district supervisor",
        "supervisor",
        lambda c: f"/supervision/overdue/?category={c.busiest_category}",
    ),
    TimedBenchmark(
        "leader-board",
        "the board as the 包保 leader serving the most enterprises",
        "leader",
        lambda c: "/leader/board/",
    ),
)


# Everyone whose menu the bench walks: each page of it timed as that person, not only the lists above.
MENU_PERSONAS = ("contact", "cadre", "unit_head", "dispatcher", "supervisor", "leader")


# The case list (API) as people sort and filter it: every order it offers and its narrowing filters, as a cadre (a
# gate of a few thousand cases), the head of the busiest unit (a gate read unit by unit), the district supervisor
# (no gate) and the 包保 leader serving the most enterprises (a gate of whole units and thousands of enterprises). A
# list's default order is timed against its floor above; these find the orders and filters no index serves, and the
# filters whose few matches lie far down the order's index.
ORDER_PERSONAS = ("cadre", "unit_head", "supervisor", "leader")
ORDERS = tuple(f"{way}{column}" for column in CASE_ORDERING_FIELDS for way in ("", "-"))


def case_list_variants(context: Context) -> list[tuple[str, dict]]:
    """(slug, query) of each order and filter the bench asks the case list for."""
    month_ago = (context.at - timedelta(days=330)).date().replace(day=1)
    past_month = {
        "closed_after": f"{month_ago.isoformat()}T00:00:00+08:00",
        "closed_before": f"{(month_ago + timedelta(days=32)).replace(day=1).isoformat()}T00:00:00+08:00",
    }
    filtered = [
        ("assigned-by-due", {"state": CaseState.ASSIGNED, "ordering": "resolution_due_at"}),
        ("assigned-by-latest-due", {"state": CaseState.ASSIGNED, "ordering": "-resolution_due_at"}),
        ("opened-by-routing-due", {"state": CaseState.OPENED, "ordering": "response_due_at"}),
        ("closed", {"state": CaseState.CLOSED}),
        ("overdue", {"overdue": "true"}),
        ("urged", {"urging_level_min": "1"}),
        ("returned", {"returned": "true"}),
        ("category", {"category": context.busiest_category}),
        ("closed-in-a-past-month", past_month),
        # Read in pieces under broad filters only, and by the states asked for: two of these once walked a table for
        # none, the third sorted a category's 140,000 cases.
        ("opened-and-resolved-by-state", {"state": [CaseState.OPENED, CaseState.RESOLVED], "ordering": "state"}),
        ("resolved-by-due", {"state": CaseState.RESOLVED, "ordering": "resolution_due_at"}),
        ("category-by-due", {"category": context.busiest_category, "ordering": "resolution_due_at"}),
    ]
    orders = [(order.lstrip("-").replace("_", "-") + ("-desc" if order[0] == "-" else ""), order) for order in ORDERS]
    return [(f"by-{slug}", {"ordering": order}) for slug, order in orders] + filtered


def case_list_orders(context: Context) -> list[TimedBenchmark]:
    return [
        TimedBenchmark(
            f"orders-{persona}-{slug}",
            # A list's values each a parameter of their own (``state=opened&state=resolved``): ``doseq``.
            f"{persona}: " + unquote(urlencode(query, doseq=True)),
            persona,
            lambda c, query=query: f"/api/v1/cases/?{urlencode(query, doseq=True)}",
        )
        for persona in ORDER_PERSONAS
        for slug, query in case_list_variants(context)
    ]


def menu_pages(context: Context) -> list[TimedBenchmark]:
    """One timed page per item of each person's main menu, read from the menu their start page draws."""
    pages = []
    for persona in MENU_PERSONAS:
        client, headers = context.client(getattr(context, persona), api=False)
        start = client.get("/", follow=True, **headers).content.decode()
        menu = re.search(r'<nav class="mainnav".*?</nav>', start, re.S)
        for url, label in re.findall(r'<a href="(/[^"]*)"[^>]*>([^<]+)</a>', menu.group(0) if menu else ""):
            slug = url.strip("/").replace("/", "-") or "start"
            pages.append(
                TimedBenchmark(
                    f"menu-{persona}-{slug}", f"{persona}: {html.unescape(label)}", persona, lambda c, url=url: url
                )
            )
    return pages


def run_page(benchmark: TimedBenchmark, context: Context, repeat: int) -> TimedResult:
    client, headers = context.client(getattr(context, benchmark.persona), api=False)
    url = benchmark.url(context)
    result = TimedResult(benchmark, detail=url)
    for _warm_up in range(warm_up_runs(repeat)):
        request(client, url, headers)
    for _ in range(repeat):
        elapsed, result.queries, content = request(client, url, headers)
        result.seconds.append(elapsed)
        result.size = len(content)
    return result


def run_timed(benchmark: TimedBenchmark, context: Context, repeat: int) -> TimedResult:
    client, headers = context.client(getattr(context, benchmark.persona), api=True)
    url = benchmark.url(context)
    result = TimedResult(benchmark)
    RatesSnapshot.objects.all().delete()
    live, live_queries, _content = request(client, url, headers)  # no snapshot yet: counted live, and kept
    for _ in range(repeat):
        elapsed, result.queries, content = request(client, url, headers)
        result.seconds.append(elapsed)
        result.size = len(content)
    result.detail = (
        f"{len(json.loads(content)['rows'])} rows from the snapshot; counting them live (the beat task's work, "
        f"and the first read of a period nobody snapshotted) took {live:.2f} s in {live_queries} queries"
    )
    return result


# --- jobs ------------------------------------------------------------------------------------------------------


def celery_task(schedule_name: str):
    """A periodic task by its entry in the beat schedule: the setting names it, wherever its code moves."""
    from config.celery import app

    return app.tasks[settings.CELERY_BEAT_SCHEDULE[schedule_name]["task"]]


def run_sweep(context: Context) -> TimedResult:
    """The deadline sweep with 5 % of the cases' clocks due at once, inside a transaction rolled back after.

    Running resolution clocks of assigned cases that have taken no reminder step get a deadline at the
    end of the next working day, so that exactly their first step (the warning the morning before) is
    due now: a backlog, as after workers were down.
    """
    due = max(1, int(context.case_count * SWEEP_SHARE))
    days = Workdays(context.at.date() - timedelta(days=10), context.at.date() + timedelta(days=30))
    result = TimedResult(TimedBenchmark("sweep", f"deadline sweep, {due:,} clocks due", "", lambda c: ""))
    with transaction.atomic():
        clocks = list(
            DeadlineCycle.objects.filter(
                kind=ClockKind.RESOLUTION,
                ended_at__isnull=True,
                reminder_step=0,
                case__state=CaseState.ASSIGNED,
                due_at__gt=days.due(context.at, 1),
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:due]
        )
        DeadlineCycle.objects.filter(pk__in=clocks).update(
            due_at=days.due(context.at, 1), remind_at=context.at - timedelta(minutes=1)
        )
        task = celery_task("sweep-deadlines")
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started = perf_counter()
            report = task()
            result.seconds.append(perf_counter() - started)
        transaction.set_rollback(True)
    result.queries = counter.count
    result.detail = ", ".join(f"{value} {name}" for name, value in report.items()) + f"; {len(clocks):,} made due"
    return result


class MemoryWatch:
    """The process's resident memory sampled while a job runs: its peak above the start shows whether the job
    holds its rows (growing with them) or streams them (flat)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        release_free_memory()
        self.start = self.peak = resident_bytes()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def watch(self) -> None:
        while not self.stopped.wait(self.interval):
            self.peak = max(self.peak, resident_bytes())

    def __enter__(self) -> "MemoryWatch":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()
        self.peak = max(self.peak, resident_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def release_free_memory() -> None:
    """Give memory freed by earlier benchmarks back to the system, so the start is what is live (glibc only)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def resident_bytes() -> int:
    """Resident memory of this process (Linux); 0 elsewhere, where the figure is left out."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def run_ledger(context: Context) -> TimedResult:
    """The problem ledger of the cases filed since a date (about a tenth of them), requested through the API with
    the Celery task run eagerly, so the request's time is the job's; the file is deleted afterwards."""
    from config.celery import app

    client, headers = context.client(context.supervisor, api=True)
    filters = {"filed_after": context.ledger_filed_after.isoformat()}
    result = TimedResult(TimedBenchmark("ledger", "ledger export", "supervisor", lambda c: ""))
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    counter = QueryCounter()
    try:
        with connection.execute_wrapper(counter), MemoryWatch() as memory:
            started = perf_counter()
            response = client.post(
                "/api/v1/supervision/ledger/", {"filters": filters}, content_type="application/json", **headers
            )
            result.seconds.append(perf_counter() - started)
    finally:
        app.conf.task_always_eager = eager
    if response.status_code != 202:
        raise BenchmarkError(f"POST ledger answered {response.status_code}: {response.content[:300]!r}")
    job = LedgerExport.objects.get(pk=response.json()["id"])
    if job.state != "done":
        raise BenchmarkError(f"The ledger job ended {job.state}: {job.error}")
    result.queries, result.size = counter.count, job.file.size
    result.detail = f"{job.row_count:,} rows; resident memory at most +{memory.growth / 2**20:.0f} MiB during the job"
    job.file.delete(save=True)
    return result


def p50(values: list[float]) -> float:
    return median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def overdue_count(context: Context) -> int:
    return Case.objects.filter(
        Q(state=CaseState.ASSIGNED, resolution_due_at__lt=context.at)
        | Q(state=CaseState.OPENED, response_due_at__lt=context.at)
    ).count()
