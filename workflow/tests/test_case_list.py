"""The case list and detail: filters, ordering, pagination, and query counts that do not grow with the data."""

import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F, Q
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, Visibility, resolution_overdue_q
from cases.selectors import cases_visible_to
from core.tests.test_statements import prepared_statements
from enterprises.credit_code import check_character
from enterprises.models import Enterprise, EnterpriseContact
from enterprises.services import service_assignment_change
from web.tests.helpers import bulk_assigned_cases
from workflow import services
from workflow.api.cases import CaseViewSet, LimitedCountPaginator
from workflow.filters import CASE_ORDERING_FIELDS, case_list_filtered, case_order, number_contains_q

CASES = "/api/v1/cases/"


def file_case(district, user, enterprise, category, title, at=None):
    with time_machine.travel(at or timezone.now(), tick=False):
        return services.case_file(
            acting_user=user, enterprise=enterprise, category=category, title=title, description=f"{title}的详细情况"
        )


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["number"] for row in response.json()["results"]]


@pytest.fixture
def board(district):
    """Seven cases filed a day apart, in every situation a dispatcher's list shows.

    a1 alice  infrastructure  day 0  routed to carol (industry) on filing; its 7 working days long past
    a2 alice  financing       day 1  resolved by carol
    b1 bob    financing       day 2  assigned to dave (commerce), overdue
    b2 bob    infrastructure  day 3  assigned to dave (commerce), due in 5 days
    b3 bob    financing       day 4  assigned to carla (industry's sub-unit), due in 2 days
    b4 bob    infrastructure  day 5  waiting for the dispatcher
    a3 alice  infrastructure  day 6  sent back by carol: returned, waits for routing
    """
    d = district
    now = timezone.now()
    start = now - timedelta(days=30)
    day = [start + timedelta(days=n) for n in range(7)]
    c = {
        "a1": file_case(d, d.alice, d.yixin, d.infrastructure, "园区专用电力线缆增容", day[0]),
        "a2": file_case(d, d.alice, d.yixin, d.financing, "流动资金贷款担保", day[1]),
        "b1": file_case(d, d.bob, d.hongda, d.financing, "设备更新贷款贴息", day[2]),
        "b2": file_case(d, d.bob, d.hongda, d.infrastructure, "职工宿舍供水不足", day[3]),
        "b3": file_case(d, d.bob, d.hongda, d.financing, "技改项目补贴申报", day[4]),
        "b4": file_case(d, d.bob, d.hongda, d.infrastructure, "厂区道路破损", day[5]),
        "a3": file_case(d, d.alice, d.yixin, d.infrastructure, "项目用地地上物迁移", day[6]),
    }
    c["a2"] = services.case_resolve(case=c["a2"], acting_user=d.carol, resolution_type="solved", reply="已协调银行")
    for key, assignee, unit, due in [
        ("b1", d.dave, d.commerce, now - timedelta(days=1)),
        ("b2", d.dave, d.commerce, now + timedelta(days=5)),
        ("b3", d.carla, d.industry_office, now + timedelta(days=2)),
    ]:
        # Routed three days ago, so that b1's deadline could still be set in the future back then.
        with time_machine.travel(now - timedelta(days=3), tick=False):
            c[key] = services.case_assign(
                case=c[key], acting_user=d.dora, assignee=assignee, unit=unit, resolution_due_at=due
            )
    c["a3"] = services.case_send_back(case=c["a3"], acting_user=d.carol, reason="属于街道职责")
    return {key: case.number for key, case in c.items()}, day


def listed(district, board, user=None, **params) -> list[str]:
    """The board keys, in the order the list shows them."""
    by_number = {number: key for key, number in board[0].items()}
    response = district.client(user or district.dora).get(CASES, {"page_size": 100, **params})
    return [by_number[number] for number in numbers(response)]


def test_it_lists_returned_cases_first_then_newest_first(district, board):
    assert listed(district, board) == ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]


def test_it_marks_returned_and_overdue_cases(district, board):
    rows = {row["number"]: row for row in district.client(district.dora).get(CASES).json()["results"]}
    keys = board[0]

    assert rows[keys["a3"]]["is_returned"] is True
    assert rows[keys["a3"]]["assignee"] is None
    assert rows[keys["b1"]]["is_overdue"] is True
    assert [key for key in keys if rows[keys[key]]["is_returned"]] == ["a3"]
    assert [key for key in keys if rows[keys[key]]["is_overdue"]] == ["a1", "b1"]


def test_it_offers_each_user_the_actions_they_may_take(district, board):
    rows = {row["number"]: row for row in district.client(district.dora).get(CASES).json()["results"]}
    carols = {row["number"]: row for row in district.client(district.carol).get(CASES).json()["results"]}
    keys = board[0]

    assert rows[keys["a3"]]["available_actions"] == ["assign"]
    assert rows[keys["b1"]]["available_actions"] == ["reassign"]
    assert set(carols[keys["a1"]]["available_actions"]) == {"accept", "send-back", "resolve", "pause"}


def test_it_filters_by_several_states(district, board):
    assert listed(district, board, state=["opened", "resolved"]) == ["a3", "b4", "a2"]
    assert listed(district, board, state="assigned") == ["b3", "b2", "b1", "a1"]


def test_it_refuses_an_unknown_state(district, board):
    response = district.client(district.dora).get(CASES, {"state": "lost"})

    assert response.status_code == 400
    assert response.json()["fields"]["state"]


def test_it_filters_by_category_enterprise_assignee_and_unit(district, board):
    assert listed(district, board, category=district.financing.pk) == ["b3", "b1", "a2"]
    assert listed(district, board, enterprise=district.yixin.pk) == ["a3", "a2", "a1"]
    assert listed(district, board, assignee=district.dave.pk) == ["b2", "b1"]
    assert listed(district, board, unit=district.industry.pk) == ["a2", "a1"]
    assert listed(district, board, unit=district.industry_office.pk) == ["b3"]
    assert listed(district, board, enterprise=district.hongda.pk, category=district.infrastructure.pk) == ["b4", "b2"]


def test_it_filters_overdue_cases(district, board):
    assert listed(district, board, overdue="true") == ["b1", "a1"]
    assert "b1" not in listed(district, board, overdue="false")
    assert len(listed(district, board, overdue="false")) == 5


def test_it_filters_returned_cases(district, board):
    assert listed(district, board, returned="true") == ["a3"]
    assert listed(district, board, returned="false") == ["b4", "b3", "b2", "b1", "a2", "a1"]


def test_a_case_withdrawn_after_it_came_back_leads_the_list_no_more(district, board):
    """Returned first means waiting for routing: b2, sent back after a3 and then withdrawn, takes its filing's place
    among the closed cases instead of leading every official's list for good."""
    d, keys = district, board[0]
    b2 = Case.objects.get(number=keys["b2"])
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        b2 = services.case_send_back(case=b2, acting_user=d.dave, reason="不属于本单位职责")
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        services.case_withdraw(case=b2, acting_user=d.bob, reason="问题已自行解决")

    assert listed(district, board) == ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]
    assert listed(district, board, state="closed") == ["b2"]
    assert listed(district, board, returned="true") == ["a3"]


def test_it_lists_the_cases_closed_in_a_period_newest_filed_first(district, board):
    """A case filed weeks before its closing is in its closing's period, and the period's list is newest first
    whoever reads it, the returned case (closed since) with the rest."""
    d, (keys, day) = district, board
    week_later = [at + timedelta(days=7) for at in day]
    old = file_case(d, d.bob, d.hongda, d.financing, "仓储用地手续", day[0] - timedelta(days=40))
    for case, at in [(old, week_later[2]), (Case.objects.get(number=keys["b4"]), week_later[3])]:
        with time_machine.travel(at, tick=False):
            services.case_withdraw(case=case, acting_user=d.bob, reason="问题已自行解决")
    services.case_withdraw(case=Case.objects.get(number=keys["a3"]), acting_user=d.alice, reason="问题已自行解决")
    by_number = {**{number: key for key, number in keys.items()}, old.number: "old"}

    def closed(user, **period) -> list[str]:
        response = d.client(user).get(CASES, {key: at.isoformat() for key, at in period.items()})
        return [by_number[number] for number in numbers(response)]

    for user in (d.dora, d.carol, d.bob):
        expected = [] if user == d.carol else ["b4", "old"]
        assert closed(user, closed_after=week_later[2], closed_before=week_later[4]) == expected
    assert closed(d.dora, closed_after=week_later[2]) == ["a3", "b4", "old"]
    assert closed(d.dora, closed_before=week_later[3]) == ["old"]
    assert closed(d.dora, closed_after=week_later[3], closed_before=week_later[3]) == []


def test_it_filters_by_filing_time(district, board):
    _keys, day = board

    between = listed(district, board, filed_after=day[2].isoformat(), filed_before=day[4].isoformat())
    after = listed(district, board, filed_after=day[5].isoformat())

    assert between == ["b2", "b1"]
    assert after == ["a3", "b4"]


def test_it_refuses_a_filing_time_that_is_not_a_date(district, board):
    response = district.client(district.dora).get(CASES, {"filed_after": "last week"})

    assert response.status_code == 400
    assert response.json()["fields"]["filed_after"]


def test_it_searches_number_and_title(district, board):
    keys, _day = board

    assert listed(district, board, search=keys["b2"]) == ["b2"]
    assert listed(district, board, search=keys["b2"].lower()) == ["b2"]
    assert listed(district, board, search="贷款") == ["b1", "a2"]
    assert listed(district, board, search="  地上物 ") == ["a3"]
    assert listed(district, board, search="没有这个问题") == []


def test_it_searches_words_of_one_and_two_characters(district, board):
    # pg_trgm needs three characters: these are read from every row (without UPPER() when they have no case).
    assert listed(district, board, search="电力") == ["a1"]
    assert listed(district, board, search="缆") == ["a1"]
    assert listed(district, board, search="化工") == ["a3", "a2", "a1"]
    assert listed(district, board, search="宏") == ["b4", "b3", "b2", "b1"]
    assert listed(district, board, search="qy") == ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]
    assert listed(district, board, search="_") == []
    assert listed(district, board, search="%") == []
    assert listed(district, board, search="洪水") == []


def test_it_finds_a_case_by_its_whole_number_or_a_part_of_it(district, board):
    keys, _day = board
    prefix, year, serial = keys["b2"].split("-")

    assert listed(district, board, search=f"{prefix.lower()}-{year}-{serial}") == ["b2"]
    assert listed(district, board, search=f"{year}-{serial}") == ["b2"]
    assert listed(district, board, search=serial) == ["b2"]
    assert listed(district, board, search=f"{prefix}-{year}-{serial}9") == []
    assert listed(district, board, search=f"{prefix}-{year}") == ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]


def test_a_whole_number_finds_the_longer_numbers_it_begins_and_the_titles_that_mention_it(district, board):
    keys, _day = board
    prefix, year, _serial = keys["b2"].split("-")
    Case.objects.filter(number=keys["a1"]).update(number=f"{prefix}-{year}-1000001")
    Case.objects.filter(number=keys["b4"]).update(title=f"与{keys['b2'].lower()}同一问题")

    renumbered = ({**keys, "a1": f"{prefix}-{year}-1000001"}, _day)

    assert listed(district, renumbered, search=f"{prefix}-{year}-100000") == ["a1"]
    assert listed(district, board, search=keys["b2"]) == ["b4", "b2"]
    assert listed(district, board, search=keys["b2"][1:]) == ["b4", "b2"]


def test_a_whole_number_is_found_in_any_case_under_a_prefix_of_either_case(district, board, settings):
    settings.HUIYIN = {**settings.HUIYIN, "CASE_NUMBER_PREFIX": "Hn"}
    case = file_case(district, district.alice, district.yixin, district.financing, "新前缀的问题")

    searches = [prefix + case.number[2:] for prefix in ("HN", "hN", "Hn")]
    found = [numbers(district.client(district.dora).get(CASES, {"search": search})) for search in searches]

    assert case.number.startswith("Hn-")
    assert found == [[case.number]] * 3


@pytest.mark.postgres_only
def test_a_whole_number_is_read_from_an_index_of_the_numbers(district, board):
    """Its trigrams (``QY-``, ``-20``…) are in every number: through the trigram index, one case's search read a
    million entries at province scale. A serial starting with 0 is one number, which the planner expects to find
    once (for a prefix's range it expected a hundredth of the table, and walked the list's order to meet them)."""
    keys, _day = board
    prefix, year, _serial = keys["b2"].split("-")
    with connection.cursor() as cursor:
        # The board's statistics, not whatever autovacuum last saw of other tests' rows.
        cursor.execute('ANALYZE "cases_case"')

    one_number = [number_plan(keys["b2"]), number_plan(keys["b2"].lower())]

    assert [(len(indexes & {NUMBERS, NUMBER_PATTERNS}), rows) for indexes, rows in one_number] == [(1, 1)] * 2, (
        one_number
    )
    assert number_plan(f"{prefix}-{year}-100000")[0] == {NUMBER_PATTERNS}
    # A part of a number is any text (at this size the planner walks another index rather than the trigrams').
    assert number_plan(keys["b2"][1:])[0].isdisjoint({NUMBERS, NUMBER_PATTERNS})


# Django's indexes of a unique text column (the second also for patterns: ``LIKE 'QY-2026-1%'``), named by a hash of
# their place, and the trigrams' (cases migration 0009).
NUMBERS, NUMBER_PATTERNS = "cases_case_number_key", "cases_case_number_980c9551_like"
NUMBER_TRIGRAMS = "case_number_trgm"


def number_plan(search: str) -> tuple[set[str], int]:
    """Which of the indexes of numbers the search's condition on the number is planned to read, and how many rows it
    is expected to find."""
    sql, params = Case.objects.filter(number_contains_q(search)).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        # Seven cases fit a page scan: what is asked is which index serves the condition in a province's table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
    text = json.dumps(plan)
    return {name for name in (NUMBERS, NUMBER_PATTERNS, NUMBER_TRIGRAMS) if f'"{name}"' in text}, plan["Plan Rows"]


def test_it_searches_only_among_the_cases_an_enterprise_may_see(district, board):
    client = district.client(district.alice)

    by_other_name = client.get(CASES, {"search": "机械"}).json()
    by_word = client.get(CASES, {"search": "电力"}).json()
    by_other_number = client.get(CASES, {"search": board[0]["b2"]}).json()

    assert (by_other_name["count"], by_other_name["results"]) == (0, [])
    assert (by_word["count"], [row["number"] for row in by_word["results"]]) == (1, [board[0]["a1"]])
    assert (by_other_number["count"], by_other_number["results"]) == (0, [])


def test_it_counts_a_search_up_to_its_limit_and_says_when_there_are_more(district, board, monkeypatch):
    monkeypatch.setattr(LimitedCountPaginator, "limit", 5)
    dora = district.client(district.dora)

    last = dora.get(CASES, {"search": "qy", "page_size": 2, "page": 3}).json()
    beyond = dora.get(CASES, {"search": "qy", "page_size": 2, "page": 4})
    few = dora.get(CASES, {"search": "化工"}).json()
    unsearched = dora.get(CASES, {"page_size": 2}).json()

    # Seven cases match "qy": five are counted, the pages reach the fifth, and the answer says there are more.
    assert (last["count"], last["count_exact"], len(last["results"]), last["next"]) == (5, False, 1, None)
    assert beyond.status_code == 404
    assert (few["count"], few["count_exact"]) == (3, True)
    assert (unsearched["count"], unsearched["count_exact"]) == (7, True)


def test_it_answers_a_search_that_fits_on_one_page_without_counting_it(district, board):
    keys, _day = board
    dora = district.client(district.dora)
    dora.get(CASES, {"search": "化工"})  # the roles and the client's session, read once

    with CaptureQueriesContext(connection) as fitting:
        one = dora.get(CASES, {"search": keys["b2"]})
    with CaptureQueriesContext(connection) as longer:
        paged = dora.get(CASES, {"search": "qy", "page_size": 2}).json()

    assert (one.json()["count"], one.json()["count_exact"], numbers(one)) == (1, True, [keys["b2"]])
    assert (paged["count"], paged["count_exact"], len(paged["results"])) == (7, True, 2)
    # The number's page held every match: no COUNT of its own, where the longer search still has one.
    assert [query["sql"].startswith("SELECT COUNT") for query in fitting.captured_queries].count(True) == 0
    assert [query["sql"].startswith("SELECT COUNT") for query in longer.captured_queries].count(True) == 1


def test_it_puts_cases_without_a_deadline_last_both_ways_and_breaks_ties_newest_first(district, board):
    keys = {number: key for key, number in board[0].items()}
    due = dict(Case.objects.values_list("number", "resolution_due_at"))
    dated = sorted((key for number, key in keys.items() if due[number]), key=lambda key: due[board[0][key]])
    undated = [key for key in ["a3", "b4", "a2", "a1"] if not due[board[0][key]]]  # newest first

    assert (len(dated), len(undated)) == (4, 3)
    assert listed(district, board, ordering="resolution_due_at") == dated + undated
    assert listed(district, board, ordering="-resolution_due_at") == dated[::-1] + undated


def test_it_orders_by_each_column_offered_both_ways(district, board):
    newest_first = ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]
    for column in ["filed_at", "number"]:
        assert listed(district, board, ordering=f"-{column}") == newest_first
        assert listed(district, board, ordering=column) == newest_first[::-1]
    Case.objects.update(updated_at=F("filed_at"))
    Case.objects.filter(number=board[0]["b2"]).update(updated_at=F("filed_at") + timedelta(days=60))
    last_changed_first = ["b2", "a3", "b4", "b3", "b1", "a2", "a1"]
    assert listed(district, board, ordering="-updated_at") == last_changed_first
    assert listed(district, board, ordering="updated_at") == last_changed_first[::-1]


def test_it_drops_returned_first_when_an_order_is_asked_for(district, board):
    assert listed(district, board, ordering="filed_at") == ["a1", "a2", "b1", "b2", "b3", "b4", "a3"]
    assert listed(district, board, ordering="-number") == ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]


def test_it_ignores_an_ordering_field_it_does_not_offer(district, board):
    assert listed(district, board, ordering="description") == ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]


def test_it_pages_the_list(district, board):
    client = district.client(district.dora)

    first = client.get(CASES, {"page_size": 3}).json()
    last = client.get(CASES, {"page_size": 3, "page": 3}).json()

    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["next"] is not None and first["previous"] is None
    assert len(last["results"]) == 1
    assert last["next"] is None
    every = [row["number"] for row in first["results"]]
    every += [row["number"] for row in client.get(CASES, {"page_size": 3, "page": 2}).json()["results"]]
    every += [row["number"] for row in last["results"]]
    assert every == [board[0][key] for key in ["a3", "b4", "b3", "b2", "b1", "a2", "a1"]]


def test_it_answers_404_for_a_page_past_the_end(district, board):
    response = district.client(district.dora).get(CASES, {"page_size": 3, "page": 9})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_counts_only_the_cases_the_user_may_see_and_the_filters_keep(district, board):
    assert district.client(district.alice).get(CASES).json()["count"] == 3
    assert district.client(district.hank).get(CASES, {"state": "assigned"}).json()["count"] == 2
    assert district.client(district.carol).get(CASES, {"state": "closed"}).json() == {
        "count": 0,
        "count_exact": True,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_it_applies_filters_within_what_the_user_may_see(district, board):
    assert listed(district, board, user=district.carol, state="assigned") == ["a1"]
    assert listed(district, board, user=district.hank, state="assigned") == ["b3", "a1"]
    assert listed(district, board, user=district.alice) == ["a3", "a2", "a1"]
    assert listed(district, board, user=district.bob, overdue="true") == ["b1"]


@pytest.fixture
def alices_three(district):
    """Three of alice's cases filed a day apart, all routed to carol; carol sends back the oldest (c1)."""
    start = timezone.now() - timedelta(days=10)
    cases = {
        f"c{n}": file_case(
            district, district.alice, district.yixin, district.infrastructure, f"问题{n}", start + timedelta(days=n)
        )
        for n in (1, 2, 3)
    }
    services.case_send_back(case=cases["c1"], acting_user=district.carol, reason="属于街道职责")
    return {key: case.number for key, case in cases.items()}, None


def test_it_reveals_no_send_back_to_the_enterprise_through_the_returned_filter(district, alices_three):
    assert listed(district, alices_three, user=district.alice, returned="true") == []
    assert listed(district, alices_three, user=district.alice, returned="false") == ["c3", "c2", "c1"]
    assert listed(district, alices_three, user=district.dora, returned="true") == ["c1"]


def test_it_orders_the_enterprises_list_as_if_nothing_was_sent_back(district, alices_three):
    assert listed(district, alices_three, user=district.alice) == ["c3", "c2", "c1"]
    assert listed(district, alices_three, user=district.dora) == ["c1", "c3", "c2"]


def test_it_ignores_an_enterprises_order_by_the_time_of_the_last_internal_change(district, alices_three):
    assert listed(district, alices_three, user=district.alice, ordering="-updated_at") == ["c3", "c2", "c1"]
    assert listed(district, alices_three, user=district.carol, ordering="-updated_at")[0] == "c1"


def test_it_lets_the_enterprise_order_by_its_cases_public_deadlines_and_filing(district, alices_three):
    assert listed(district, alices_three, user=district.alice, ordering="filed_at") == ["c1", "c2", "c3"]
    assert listed(district, alices_three, user=district.alice, ordering="-resolution_due_at")[:2] == ["c3", "c2"]


def test_it_exports_the_order_an_official_sees_in_the_ledger(district, alices_three):
    keys = {number: key for key, number in alices_three[0].items()}
    ordered = [keys[case.number] for case in case_list_filtered(district.dora, QueryDict())]
    assert ordered == ["c1", "c3", "c2"]


# Query counts


def token_client(user) -> APIClient:
    """Token authentication, as a real client: every request loads the user and their roles afresh."""
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize(
    ("ordering", "order"),
    [
        ("", (F("sent_back_at").desc(nulls_last=True), "-filed_at", "-id")),
        ("updated_at", (F("updated_at").asc(nulls_last=True), "-id")),
        ("-resolution_due_at", (F("resolution_due_at").desc(nulls_last=True), "-id")),
    ],
)
def test_it_pages_a_head_s_list_across_the_units_they_head_and_the_rest_they_see(district, board, ordering, order):
    """Hank sees the cases of the Industry Bureau and of its office (each unit a part of his list), those assigned
    to him in Commerce, and Hongda's, an enterprise he serves (the rest, a part of its own): one list, paged."""
    bulk_assigned_cases(district, 2, assignee=district.hank, unit=district.commerce)
    service_assignment_change(enterprise=district.hongda, unit=district.industry, cadre=district.hank)
    expected = list(cases_visible_to(district.hank).order_by(*order).values_list("number", flat=True))
    client = district.client(district.hank)
    pages = [client.get(CASES, {"page_size": 3, "page": page, "ordering": ordering}) for page in (1, 2, 3, 4)]
    assert len(expected) == 8 and {page.json()["count"] for page in pages[:3]} == {8}
    assert [number for page in pages[:3] for number in numbers(page)] == expected
    assert len({case.responsible_unit_id for case in Case.objects.filter(number__in=expected)}) >= 3
    assert pages[3].status_code == 404


@pytest.mark.parametrize("name", ["dora", "hank"])
@pytest.mark.parametrize("field", CASE_ORDERING_FIELDS)
def test_it_pages_the_list_in_any_order_as_the_whole_list_ordered(district, board, name, field):
    """Read apart by the order's leading column (dated cases then undated, or state by state: every state, or the
    two asked for) and across a unit head's parts, pages of two end inside a piece, at its end and past it: each
    shows what the whole list sorted shows there, narrowed to two states or a category too. Narrowed by an
    enterprise, the list is read whole."""
    bulk_assigned_cases(district, 2, assignee=district.hank, unit=district.commerce)
    service_assignment_change(enterprise=district.hongda, unit=district.industry, cadre=district.hank)
    user = getattr(district, name)
    client = district.client(user)
    narrowings = [
        ({}, Q()),
        ({"state": ["opened", "assigned"]}, Q(state__in=["opened", "assigned"])),
        ({"category": district.financing.pk}, Q(category=district.financing)),
        ({"enterprise": district.hongda.pk}, Q(enterprise=district.hongda)),
    ]
    # Then by the last change: a column merged pieces are ordered by but the list does not show.
    orderings = (field, f"-{field}", f"{field},-updated_at")
    for (narrowing, condition), ordering in itertools.product(narrowings, orderings):
        cases = cases_visible_to(user).filter(condition)
        order = [case_order(name) for name in ordering.split(",")]
        expected = list(cases.order_by(*order, "-id").values_list("number", flat=True))
        pages = [
            client.get(CASES, {"page_size": 2, "page": page, "ordering": ordering, **narrowing}) for page in range(1, 6)
        ]
        shown = [number for page in pages if page.status_code == 200 for number in numbers(page)]
        assert len(expected) >= 3 and shown == expected, (narrowing, ordering)
    leading = Case.objects.values_list(field, flat=True)
    assert len(set(leading)) >= 3 and (None in leading) == (field in ("response_due_at", "resolution_due_at"))


@pytest.mark.parametrize("name", ["dora", "hank", "carol"])
def test_it_pages_the_late_cases_in_any_order_as_the_whole_list_ordered(district, board, name):
    """Late cases (overdue, urged) are gathered for a page (``read_as_they_lie``), except by a deadline: for the
    district, across a unit head's parts and for a cadre, pages of three in every order both ways and the default
    show what the whole list sorted shows there, each counting them all."""
    now = timezone.now()
    late = [
        *bulk_assigned_cases(district, 8, assignee=district.hank, unit=district.commerce),
        *bulk_assigned_cases(district, 5, assignee=district.carol, start=8),
    ]
    for hours, case in enumerate(late):
        # Late by 0 to 12 hours, every third urged once or twice: ties of filing and urging, none of deadline.
        urged = (hours % 3 == 0) * (1 + hours % 2)
        Case.objects.filter(pk=case.pk).update(resolution_due_at=now - timedelta(hours=hours + 1), urging_level=urged)
    service_assignment_change(enterprise=district.hongda, unit=district.industry, cadre=district.hank)
    user = getattr(district, name)
    client = district.client(user)
    narrowings = [({"overdue": "true"}, resolution_overdue_q(now)), ({"urging_level_min": "1"}, Q(urging_level__gte=1))]
    default = [F("sent_back_at").desc(nulls_last=True), "-filed_at"]
    orderings = [("", default), *((field, [case_order(field)]) for field in CASE_ORDERING_FIELDS)]
    orderings += [(f"-{field}", [case_order(f"-{field}")]) for field in CASE_ORDERING_FIELDS]
    for (narrowing, condition), (ordering, order) in itertools.product(narrowings, orderings):
        cases = cases_visible_to(user).filter(condition)
        expected = list(cases.order_by(*order, "-id").values_list("number", flat=True))
        pages = [client.get(CASES, {"page_size": 3, "ordering": ordering, **narrowing})]
        while pages[-1].status_code == 200 and pages[-1].json()["next"]:
            pages.append(client.get(CASES, {"page_size": 3, "page": len(pages) + 1, "ordering": ordering, **narrowing}))
        shown = [number for page in pages for number in numbers(page)]
        assert len(expected) >= 4 and shown == expected, (narrowing, ordering)
        assert {page.json()["count"] for page in pages} == {len(expected)}


def test_the_late_cases_are_gathered_unless_by_a_deadline(district, board):
    """Gathering is what spares the district's overdue cases, newest first, a walk past every newer case at
    province scale (not seen at this size, where every plan is quick): their page's ids are ordered as no index
    holds them; by their deadline, whose index holds them first, they are read in it."""

    def list_statement(**params) -> str:
        with CaptureQueriesContext(connection) as queries:
            assert district.client(district.sam).get(CASES, params).status_code == 200
        return next(query["sql"] for query in queries.captured_queries if 'FROM "cases_case"' in query["sql"])

    assert "ORDER BY COALESCE(" in list_statement(overdue="true")
    assert "ORDER BY COALESCE(" in list_statement(urging_level_min=2, ordering="-number")
    assert "COALESCE(" not in list_statement(overdue="true", ordering="resolution_due_at")
    assert "COALESCE(" not in list_statement(overdue="false")
    assert "COALESCE(" not in list_statement(urging_level_min=0)


@pytest.mark.parametrize("field", CASE_ORDERING_FIELDS)
def test_it_pages_a_cadres_own_and_served_cases_as_the_whole_list_ordered(district, board, field):
    """A cadre's list is one part, their own and their served enterprises' cases: pages of two, in every order both
    ways, narrowed or not, show what the whole list sorted shows, each page counting them all."""
    bulk_assigned_cases(district, 3, assignee=district.carol)
    client = district.client(district.carol)
    for (narrowing, condition), ordering in itertools.product(
        [({}, Q()), ({"state": "assigned"}, Q(state="assigned"))], (field, f"-{field}")
    ):
        order = [case_order(ordering), "-id"]
        expected = list(
            cases_visible_to(district.carol).filter(condition).order_by(*order).values_list("number", flat=True)
        )
        pages = [
            client.get(CASES, {"page_size": 2, "page": page, "ordering": ordering, **narrowing}) for page in range(1, 5)
        ]
        shown = [number for page in pages if page.status_code == 200 for number in numbers(page)]
        assert len(expected) >= 4 and shown == expected, (narrowing, ordering)
        assert {page.json()["count"] for page in pages if page.status_code == 200} == {len(expected)}


def close_cases(cases: list[Case]) -> None:
    """Closed five days ago, resolved the day before: a person's closed cases, older than their open ones."""
    now = timezone.now()
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(
        state="closed", closure="confirmed", resolved_at=now - timedelta(days=6), closed_at=now - timedelta(days=5)
    )


@pytest.mark.parametrize("field", CASE_ORDERING_FIELDS)
def test_it_pages_a_cadres_closed_cases_as_the_whole_list_ordered(district, board, field):
    """A person's closed cases are gathered when the order is descending (they are old, far down a newest-first
    walk): pages of two, in every order both ways and the default, show what the whole list sorted shows."""
    close_cases(bulk_assigned_cases(district, 5, assignee=district.carol))
    client = district.client(district.carol)
    closed = cases_visible_to(district.carol).filter(state="closed")
    for ordering, order in [
        (field, [case_order(field), "-id"]),
        (f"-{field}", [case_order(f"-{field}"), "-id"]),
        (None, [F("sent_back_at").desc(nulls_last=True), "-filed_at", "-id"]),
    ]:
        expected = list(closed.order_by(*order).values_list("number", flat=True))
        asked = {"state": "closed", "page_size": 2} | ({"ordering": ordering} if ordering else {})
        pages = [client.get(CASES, {**asked, "page": page}) for page in range(1, 5)]
        shown = [number for page in pages if page.status_code == 200 for number in numbers(page)]
        assert len(expected) >= 5 and shown == expected, ordering
        assert {page.json()["count"] for page in pages if page.status_code == 200} == {len(expected)}


def test_a_persons_closed_cases_are_gathered_when_the_order_is_descending(district, board):
    """Newest first (or latest anything), a cadre's closed cases lie past every newer case of others: their page's
    ids are ordered as no index holds them. Oldest first they come soon, and a list of every case is not a
    person's few."""

    def list_statement(user, **params) -> str:
        with CaptureQueriesContext(connection) as queries:
            assert district.client(user).get(CASES, params).status_code == 200
        return next(query["sql"] for query in queries.captured_queries if 'FROM "cases_case"' in query["sql"])

    carol = district.carol
    assert "ORDER BY COALESCE(" in list_statement(carol, state="closed")
    assert "ORDER BY COALESCE(" in list_statement(carol, state="closed", ordering="-number")
    assert "COALESCE(" not in list_statement(carol, state="closed", ordering="number")
    assert "COALESCE(" not in list_statement(carol, state=["closed", "assigned"])
    assert "COALESCE(" not in list_statement(carol)
    assert "COALESCE(" not in list_statement(district.dora, state="closed")


@pytest.fixture
def filers(district):
    """Alice for yixin (served by carol) and one contact each for three more enterprises, served by
    carol (industry), carla (industry's sub-unit) and dave (commerce): cases route to all three."""
    User = get_user_model()
    found = [(district.alice, district.yixin)]
    for n, (cadre, unit) in enumerate(
        [
            (district.carol, district.industry),
            (district.carla, district.industry_office),
            (district.dave, district.commerce),
        ]
    ):
        first_seventeen = f"9144030070846{n:03d}0"
        enterprise = Enterprise.objects.create(
            name=f"测试企业{n}",
            credit_code=first_seventeen + check_character(first_seventeen),
            township=district.township,
        )
        contact = User.objects.create_user(username=f"contact{n}", first_name=f"联系人{n}")
        EnterpriseContact.objects.create(user=contact, enterprise=enterprise)
        service_assignment_change(enterprise=enterprise, unit=unit, cadre=cadre)
        found.append((contact, enterprise))
    return found


def add_cases(district, filers, count: int) -> None:
    """``count`` more cases over the four enterprises, two categories, three assignees and three states."""
    start = Case.objects.count()
    for n in range(start, start + count):
        user, enterprise = filers[n % len(filers)]
        category = district.financing if n % 2 else district.infrastructure
        case = file_case(district, user, enterprise, category, f"第{n}号问题")
        if n % 3 == 1:
            services.case_accept(case=case, acting_user=case.assignee)
        elif n % 3 == 2:
            services.case_resolve(case=case, acting_user=case.assignee, resolution_type="solved", reply="已处理")


def measure(user, url, params=None):
    client = token_client(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.json()
    return len(queries), response.json(), "\n".join(query["sql"] for query in queries.captured_queries)


# The list, for any user: 1 token with its user; 1 for the roles (unit memberships, current 包保
# periods the user serves in, enterprises the user is a contact of); 1 page of cases with enterprise,
# category, assignee and unit joined, each row carrying the count of all matches. available_actions
# reads only the roles cached on the user, so no query per case. Unit heads (and supervisors, leaders)
# have the unit tree that expands their subtree in the roles' query.
LIST_QUERIES = 3


@pytest.mark.parametrize("name", ["dora", "alice", "carol", "hank", "sam"])
def test_it_lists_cases_in_the_same_number_of_queries_for_5_and_40_cases(district, filers, name):
    user = get_user_model().objects.get(username=name)
    add_cases(district, filers, 5)
    few, few_body, few_sql = measure(user, CASES, {"page_size": 100})
    add_cases(district, filers, 35)
    many, many_body, many_sql = measure(user, CASES, {"page_size": 100})

    assert len(many_body["results"]) > len(few_body["results"]) > 0
    assert few == LIST_QUERIES, few_sql
    assert many == LIST_QUERIES, many_sql


def test_it_lists_a_full_page_of_filtered_cases_in_the_same_number_of_queries(district, filers):
    add_cases(district, filers, 40)

    count, body, sql = measure(district.dora, CASES, {"page_size": 30, "state": ["assigned", "resolved"]})

    assert len(body["results"]) == 30
    assert count == LIST_QUERIES, sql


def cases_in_every_state(district, filers) -> None:
    """Opened, assigned, signed for, resolved, closed with a rating, closed by a supervisor, withdrawn, and a
    sub-case: every state and the columns each state's transitions read."""
    add_cases(district, filers, 9)
    returned = Case.objects.filter(state="assigned", accepted_at__isnull=True).first()
    services.case_send_back(case=returned, acting_user=returned.assignee, reason="不属于本单位职责")
    for n, case in enumerate(Case.objects.filter(state="resolved")[:2]):
        if n == 0:
            services.case_close(case=case, acting_user=case.enterprise.contacts.first().user, satisfaction=4)
        else:
            services.case_close(case=case, acting_user=district.sam)
    withdrawn = file_case(district, district.alice, district.yixin, district.infrastructure, "撤回的问题")
    services.case_withdraw(case=withdrawn, acting_user=district.alice, reason="已自行解决")
    parent = Case.objects.filter(state="assigned", enterprise=district.yixin).first()
    services.sub_case_file(
        parent=parent,
        acting_user=district.sam,
        unit=district.industry,
        assignee=district.carol,
        title="子案件",
        description="协调供电。",
        resolution_workdays=5,
    )


@pytest.mark.parametrize("name", ["dora", "alice", "carol", "hank", "sam"])
def test_it_reads_no_column_beyond_the_lists_for_cases_in_every_state(district, filers, name):
    """The list loads only the columns it shows and its actions read: one more would be a query per case."""
    cases_in_every_state(district, filers)
    assert set(Case.objects.values_list("state", flat=True)) == {"opened", "assigned", "resolved", "closed"}
    user = get_user_model().objects.get(username=name)

    count, body, sql = measure(user, CASES, {"page_size": 100})

    visible = set(cases_visible_to(user).values_list("state", flat=True))
    assert {row["state"] for row in body["results"]} == visible
    assert len(visible) >= 2
    assert count == LIST_QUERIES, sql


def test_it_serves_a_cadres_own_queue_from_their_assignments_in_as_few_queries(district, filers):
    cases_in_every_state(district, filers)
    carol = district.carol
    assigned_to_carol = Case.objects.filter(assignee=carol, state__in=["assigned", "resolved"]).order_by("pk")

    params = {"assignee": carol.pk, "state": ["assigned", "resolved"], "ordering": "resolution_due_at"}
    count, body, sql = measure(carol, CASES, {**params, "page_size": 100})

    assert sorted(row["id"] for row in body["results"]) == [case.pk for case in assigned_to_carol]
    assert body["count"] == assigned_to_carol.count() > 1
    assert count == LIST_QUERIES, sql
    others = measure(carol, CASES, {**params, "assignee": district.dave.pk})[1]
    assert {row["assignee"]["username"] for row in others["results"]} <= {"dave"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"state": ["assigned", "resolved"], "ordering": "resolution_due_at", "page_size": 2},
        {"state": ["resolved", "assigned"], "ordering": "-resolution_due_at"},
        {"state": "closed"},
        *({"ordering": f"{way}{field}", "page_size": 3} for field in CASE_ORDERING_FIELDS for way in ("", "-")),
        {"ordering": "title"},
        {"state": "assigned", "page_size": 1, "page": 2},
    ],
)
def test_a_queue_read_by_a_statement_compiled_once_is_the_queue_built_each_time(district, filers, params, monkeypatch):
    """One's own assignments' first page, read by a statement compiled once for every official (the person a
    stand-in), against the same page built by the list for the request: for cadres, a unit head and a supervisor
    in turn (so a statement compiled for one is run for the next), and someone filing problems, who has none."""
    cases_in_every_state(district, filers)
    people = [district.carol, district.dave, district.hank, district.sam, district.carol, district.alice]

    asked_at = timezone.now()  # both readings at one moment: a row says whether it is overdue

    def pages() -> list[tuple[int, dict]]:
        with time_machine.travel(asked_at, tick=False):
            answers = [token_client(person).get(CASES, {**params, "assignee": person.pk}) for person in people]
        return [(answer.status_code, answer.json()) for answer in answers]

    compiled = pages()
    monkeypatch.setattr(CaseViewSet, "first_page", lambda view, size: None)
    built = pages()

    assert compiled == built
    listed = [row for status, page in compiled if status == 200 for row in page["results"]]
    assert listed
    assert {row["assignee"]["username"] for row in listed} <= {"carol", "dave"}


def prepared_case_statements() -> dict[str, int]:
    return prepared_statements(reading='FROM "cases_case"')


@pytest.mark.postgres_only
def test_a_cadres_own_queue_is_one_statement_kept_by_the_server_whichever_cadre_asks(district, filers):
    """Asked on every visit to one's queue and read alike for every cadre, the page of one's own assignments is
    prepared: planned once per connection, not each time (1.4–2.6 ms at a million cases, to run it in 0.5). Its
    states are constants of the statement, so that its generic plan can read the queue's index of them."""
    cases_in_every_state(district, filers)
    params = {"state": ["assigned", "resolved"], "ordering": "resolution_due_at"}
    pages = [measure(cadre, CASES, {**params, "assignee": cadre.pk}) for cadre in (district.carol, district.dave) * 3]

    [(statement, runs)] = prepared_case_statements().items()
    assert runs == 6
    assert "'assigned'" in statement and "'resolved'" in statement
    assert [count for count, _body, _sql in pages] == [LIST_QUERIES] * 6
    assert {row["assignee"]["username"] for _count, body, _sql in pages for row in body["results"]} == {"carol", "dave"}

    client = Client()
    client.force_login(district.carol)
    for _visit in range(3):
        assert client.get("/queue/").status_code == 200
    assert sorted(prepared_case_statements().values()) == [3, 6]


@pytest.mark.postgres_only
def test_a_list_of_many_parts_is_planned_for_its_values_each_time(district, filers):
    """A unit head's list depends on how many cases their units hold: not prepared, where one generic plan could
    suit neither the busiest unit nor the smallest."""
    cases_in_every_state(district, filers)

    for _visit in range(3):
        measure(district.hank, CASES, {"state": ["assigned", "resolved"]})

    assert prepared_case_statements() == {}


def test_it_writes_a_listed_case_as_the_declared_fields_would(district, filers):
    """The list's hand-written representation holds to the fields it declares, which the schema shows."""
    from rest_framework.request import Request
    from rest_framework.serializers import ModelSerializer
    from rest_framework.test import APIRequestFactory

    from workflow.api import CaseListSerializer

    cases_in_every_state(district, filers)
    for user in (district.dora, district.alice, district.carol, district.sam):
        request = Request(APIRequestFactory().get(CASES))
        request.user = get_user_model().objects.get(pk=user.pk)
        for case in Case.objects.select_related("enterprise", "category", "assignee", "responsible_unit"):
            serializer = CaseListSerializer(case, context={"request": request})
            assert serializer.data == ModelSerializer.to_representation(serializer, case), (user, case.state)


def test_it_offers_the_actions_django_fsm_finds_for_every_case_and_person(district, filers):
    """The actions leaving a state are looked up once a state; each case's conditions and permissions still decide."""
    from cases.permissions import can_urge
    from workflow.selectors import CASE_ACTION_NAMES, available_actions

    cases_in_every_state(district, filers)
    users = [district.dora, district.alice, district.carol, district.hank, district.sam, district.leo]
    cases = list(Case.objects.select_related("enterprise"))
    for case in [case for case in cases if case.state == "assigned"][::2]:
        case.paused_until = timezone.now()  # a paused clock: resume instead of pause
    checked = set()
    for user in [get_user_model().objects.get(pk=user.pk) for user in users]:
        for case in cases:
            expected = [
                CASE_ACTION_NAMES[transition.name]
                for transition in case.get_available_user_state_transitions(user)
                if transition.name in CASE_ACTION_NAMES
            ] + (["urge"] if can_urge(case, user) else [])
            assert available_actions(case, user) == expected, (user, case.state)
            checked.update(expected)
    assert {
        "assign",
        "accept",
        "send-back",
        "reassign",
        "resolve",
        "reopen",
        "close",
        "withdraw",
        "pause",
        "resume",
    } <= checked


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns"])
@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 30, 0, 250, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2026, 3, 2, 9, 30),  # noqa: DTZ001  # a wall-clock time on purpose
        None,
    ],
    ids=["utc", "beijing-microseconds", "wall-clock", "none"],
)
def test_it_writes_a_moment_as_the_apis_datetime_fields_do(zone, value):
    """In the current zone, Z for UTC as DRF writes it, a wall-clock time placed in the zone."""
    from rest_framework.serializers import DateTimeField

    from workflow.api.serializers import moment

    with timezone.override(zone):
        expected = None if value is None else DateTimeField().to_representation(value)
        assert moment(value) == moment(value, timezone.get_current_timezone()) == expected


def busy_case(district, comments: int) -> Case:
    """Alice's case, accepted by carol, with public and internal comments and files alternating."""
    case = file_case(district, district.alice, district.yixin, district.infrastructure, "原料供应不足")
    case = services.case_accept(case=case, acting_user=district.carol)
    for n in range(comments):
        visibility = Visibility.INTERNAL if n % 2 else Visibility.PUBLIC
        author = district.carol if n % 2 else district.alice
        services.comment_add(case=case, acting_user=author, body=f"第{n}条", visibility=visibility)
        services.attachment_add(
            case=case,
            acting_user=author,
            upload=SimpleUploadedFile(f"附件{n}.pdf", b"%PDF-1.4\n%%EOF\n"),
            visibility=visibility,
        )
    return Case.objects.get(pk=case.pk)


# The detail: 1 token with its user; 1 roles; 1 case with its enterprise, category, assignee, unit
# and filer joined; 1 comments with authors; 1 attachments with uploaders; 1 events with actors.
# (The running pause's request is read only while the case is paused.)
DETAIL_QUERIES = 6
# Officials: 2 more for the extension requests and the clock's pauses, which only they see.
DETAIL_QUERIES_FOR_OFFICIALS = 8
# Officials who are not dispatchers: 1 more to ask whether they see the case as an official
# (and so with its internal notes); the answer is cached for comments, attachments and events.
DETAIL_QUERIES_WITH_INTERNAL_CHECK = 9


@pytest.mark.parametrize(
    ("name", "expected"),
    [("alice", DETAIL_QUERIES), ("dora", DETAIL_QUERIES_FOR_OFFICIALS), ("carol", DETAIL_QUERIES_WITH_INTERNAL_CHECK)],
)
def test_it_shows_a_case_in_the_same_number_of_queries_however_busy_it_is(district, name, expected):
    user = get_user_model().objects.get(username=name)
    quiet = busy_case(district, 0)
    busy = busy_case(district, 12)

    few, quiet_body, few_sql = measure(user, f"{CASES}{quiet.pk}/")
    many, busy_body, many_sql = measure(user, f"{CASES}{busy.pk}/")

    assert len(busy_body["comments"]) >= 6 and len(busy_body["events"]) > len(quiet_body["events"])
    assert few == expected, few_sql
    assert many == expected, many_sql


def test_it_shows_a_follow_up_case_in_the_same_number_of_queries(district):
    earlier = busy_case(district, 0)
    earlier = services.case_withdraw(case=earlier, acting_user=district.alice, reason="暂不需要")
    follow_up = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="原料供应再次不足",
        description="同一问题再次出现",
        follows_up=earlier,
    )

    count, body, sql = measure(get_user_model().objects.get(username="dora"), f"{CASES}{follow_up.pk}/")

    assert body["follows_up"] == {"id": earlier.pk, "number": earlier.number}
    assert count == DETAIL_QUERIES_FOR_OFFICIALS, sql


def test_it_shows_an_enterprise_only_the_public_half_of_a_busy_case(district):
    busy = busy_case(district, 6)

    body = district.client(district.alice).get(f"{CASES}{busy.pk}/").json()

    assert [row["body"] for row in body["comments"]] == ["第0条", "第2条", "第4条"]
    assert [row["original_name"] for row in body["attachments"]] == ["附件0.pdf", "附件2.pdf", "附件4.pdf"]
