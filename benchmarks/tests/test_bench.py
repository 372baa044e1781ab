import gc
import re
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings

from benchmarks import floors, over_http, suite
from benchmarks.urls import SIGNED_IN_API, SIGNED_IN_PAGE
from workflow.api.cases import SEARCH_COUNT_LIMIT

AS_OF = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


# Committed, not rolled back: the ledger's job is queued when the request's transaction commits. Serialized
# rollback gives the next tests the categories and deadline policies of the data migrations back.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def thawed_afterwards():
    """The bench freezes its process's objects as a worker does; the suite's process goes on collecting them."""
    yield
    gc.unfreeze()


@pytest.fixture
def dataset():
    call_command("seed_scale", cases=300, as_of=AS_OF.isoformat(), stdout=StringIO())


def table_rows(output: str) -> dict[str, list[str]]:
    """The rows of the printed tables, by their first column (the work)."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) > 2 and not set(cells[1]) <= set("-:"):
            rows[cells[0]] = cells
    return rows


def test_it_runs_every_benchmark_once_and_each_floor_returns_the_rows_of_its_page(dataset):
    out = StringIO()
    call_command("bench", quick=True, no_docs=True, stdout=out)

    rows = table_rows(out.getvalue())
    for benchmark in suite.LISTS:
        row = rows[benchmark.work]
        assert row[10] == "yes", f"{benchmark.name}: floor and page returned different rows"
        assert int(row[9]) > 0, f"{benchmark.name}: the dataset gave the page no rows"
        assert int(row[3]) > 0, f"{benchmark.name}: no queries counted"
        assert row[11].endswith(" ms"), f"{benchmark.name}: no signed-in answer beside it"
    asked = {
        "case-page": r"/cases/\d+/$",
        "unit-rectifications": r"/supervision/rectifications/$",
        "unit-extensions": r"/supervision/extensions/$",
        "unit-rectifications-api": r"/api/v1/supervision/rectifications/$",
        "unit-extensions-api": r"/api/v1/extensions/$",
        "unit-queue": r"/queue/$",
        "unit-cases": r"/api/v1/cases/$",
        "leader-board": r"/leader/board/$",
        "dispatch-last": r"/dispatch/\?page=999999$",
        "unit-queue-last": r"/queue/\?page=999999$",
        "overdue-category": r"/supervision/overdue/\?category=\d+$",
    }
    for benchmark in suite.PAGES:
        assert int(rows[benchmark.work][3]) > 0, f"{benchmark.name}: no queries counted"
        assert re.match(asked[benchmark.name], rows[benchmark.work][-1])
    asked_orders = {work for work, cells in rows.items() if cells[-1].startswith("/api/v1/cases/?")}
    for persona in suite.ORDER_PERSONAS:
        assert {f"{persona}: ordering={order}" for order in suite.ORDERS} <= asked_orders
        assert {f"{persona}: overdue=true", f"{persona}: urging_level_min=1"} <= asked_orders
    for benchmark in suite.RATES:
        assert re.match(r"\d+ rows", rows[benchmark.work][-1])
    sweep = next(cells for work, cells in rows.items() if work.startswith("deadline sweep"))
    assert sweep[-1].startswith("15 reminded, 0 failed")
    ledger = rows["ledger export"]
    assert ledger[-1].startswith("30 rows")


def test_it_runs_only_the_benchmarks_asked_for(dataset):
    out = StringIO()
    call_command("bench", quick=True, only=["queue", "rates"], no_docs=True, stdout=out)

    rows = table_rows(out.getvalue())
    assert suite.LISTS[0].work in rows
    assert "cadre's queue page (/queue/)" not in rows
    assert {benchmark.work for benchmark in suite.RATES} <= set(rows)
    assert "ledger export" not in rows


def test_the_search_floor_counts_as_far_as_the_list_does():
    assert floors.SEARCH_COUNT_LIMIT == SEARCH_COUNT_LIMIT


def test_it_times_every_page_of_each_persons_menu_as_they_open_it(dataset):
    out = StringIO()
    call_command("bench", quick=True, only=["menu"], no_docs=True, stdout=out)

    rows = table_rows(out.getvalue())
    menus = {work: cells for work, cells in rows.items() if ": " in work}
    # The menus as people read them, in Chinese.
    assert {"cadre: 我的待办", "contact: 我的问题", "dispatcher: 派单", "supervisor: 逾期督办"} <= set(menus)
    assert "unit_head: 延期与挂起审批" in menus and "cadre: 派单" not in menus
    assert "leader: 挂牌督办" in menus  # the 包保 leader serving the most enterprises, the widest served gate
    assert all(int(cells[3]) > 0 and cells[-1].startswith("/") for cells in menus.values())
    assert "cadre: 修改密码" in menus


def test_each_list_is_timed_beside_the_same_person_signed_in_and_answered_nothing(dataset):
    context = suite.Context.load(AS_OF)
    api, token = context.client(context.cadre, api=True)
    browser, _none = context.client(context.cadre, api=False)

    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        assert api.get(SIGNED_IN_API, **token).json() == []
        assert Client().get(SIGNED_IN_API).status_code == 401
        page = browser.get(SIGNED_IN_PAGE).content.decode()
        assert Client().get(SIGNED_IN_PAGE).status_code == 302  # to the sign-in page
    # The cadre's own menu around an empty page.
    assert '<nav class="mainnav"' in page and "我的待办" in page
    assert re.search(r'<main id="main" class="page">\s*</main>', page)
    # Only where the bench mounts them: the app itself has no such addresses.
    assert api.get(SIGNED_IN_API, **token).status_code == 404
    assert browser.get(SIGNED_IN_PAGE).status_code == 404


def test_the_http_part_refuses_at_once_where_it_cannot_run(monkeypatch):
    """Before minutes of in-process benchmarks, not after them: here even before finding the database empty."""
    monkeypatch.setattr(over_http.shutil, "which", lambda command: None)
    why = "needs PostgreSQL" if connection.vendor != "postgresql" else "wrk is not installed"

    with pytest.raises(CommandError, match=why):
        call_command("bench", http=True, no_docs=True, stdout=StringIO())
