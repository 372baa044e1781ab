"""The overdue review: who sees it, which cases and how late, its filters, query count and the .xlsx export."""

from datetime import datetime
from io import BytesIO
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Case
from supervision.overdue import api as overdue_api
from supervision.overdue.selectors import overdue_cases
from workflow import services
from workflow.selectors import work_calendar
from workflow.workdays import SHANGHAI

OVERDUE = "/api/v1/supervision/overdue/"
EXPORT = f"{OVERDUE}export/"
# A Wednesday without holidays around it; every deadline below is counted by hand from it.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
CHINESE_HEADERS = [
    "案件编号",
    "标题",
    "企业",
    "类别",
    "责任单位",
    "承办人",
    "办结时限",
    "逾期环节",
    "逾期工作日",
    "最近办理",
    "最近办理时间",
    "督办等级",
    "督办答复时限",
]


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def file_case(district, *, at: datetime, user=None, enterprise=None, category=None, title="厂区道路破损") -> Case:
    """Filed by alice for Yixin unless told otherwise: Yixin's cases go to carol (industry) at once."""
    with time_machine.travel(at, tick=False):
        return services.case_file(
            acting_user=user or district.alice,
            enterprise=enterprise or district.yixin,
            category=category or district.infrastructure,
            title=title,
            description=f"{title}的详细情况",
        )


@pytest.fixture
def review(district):
    """Four overdue cases and three that are not, as of Wednesday 18 November 2026 10:00.

    road      filed Mon 2 Nov, carol signs for it Tue 3 Nov 09:00; 7 working days end Wed 11 Nov 17:30:
              late Thu 12, Fri 13, Mon 16, Tue 17, Wed 18 = 5 working days
    loan      bob's (Hongda, financing), routed by dora to dave (commerce) Wed 4 Nov 10:00; due Fri 13 Nov 17:30:
              late Mon 16, Tue 17, Wed 18 = 3 working days (the weekend does not count)
    permit    filed Thu 5 Nov; due Mon 16 Nov 17:30: late Tue 17, Wed 18 = 2 working days
    returned  filed Thu 12 Nov, sent back by carol Mon 16 Nov 09:00; the dispatcher's one routing day ends
              Tue 17 Nov 17:30: late Wed 18 = 1 working day, on the routing clock
    fresh     filed Mon 16 Nov: due Wed 25 Nov
    resolved  filed Mon 2 Nov, resolved late on Mon 16 Nov
    closed    filed Mon 2 Nov, resolved Mon 16 Nov, confirmed by alice Tue 17 Nov
    """
    d = district
    road = file_case(d, at=local(2, 10), title="园区道路破损")
    with time_machine.travel(local(3, 9), tick=False):
        road = services.case_accept(case=road, acting_user=d.carol)
    loan = file_case(d, at=local(4, 9), user=d.bob, enterprise=d.hongda, category=d.financing, title="贷款贴息")
    with time_machine.travel(local(4, 10), tick=False):
        loan = services.case_assign(case=loan, acting_user=d.dora, assignee=d.dave, unit=d.commerce)
    permit = file_case(d, at=local(5, 9), title="施工许可办理")
    returned = file_case(d, at=local(12, 9), title="项目用地地上物迁移")
    with time_machine.travel(local(16, 9), tick=False):
        returned = services.case_send_back(case=returned, acting_user=d.carol, reason="属于街道职责")
    fresh = file_case(d, at=local(16, 9), title="职工宿舍供水不足")
    resolved = file_case(d, at=local(2, 9), title="流动资金贷款担保")
    closed = file_case(d, at=local(2, 9, 30), title="电力增容")
    with time_machine.travel(local(16, 15), tick=False):
        resolved = services.case_resolve(case=resolved, acting_user=d.carol, resolution_type="solved", reply="已协调")
        closed = services.case_resolve(case=closed, acting_user=d.carol, resolution_type="solved", reply="已增容")
    with time_machine.travel(local(17, 9), tick=False):
        services.case_close(case=closed, acting_user=d.alice, satisfaction=5)
    cases = {
        "road": road,
        "loan": loan,
        "permit": permit,
        "returned": returned,
        "fresh": fresh,
        "resolved": resolved,
        "closed": closed,
    }
    return {key: case.number for key, case in cases.items()}


def get(district, user, url=OVERDUE, **params):
    return district.client(user).get(url, params)


def listed(district, review, user=None, **params) -> list[str]:
    """The review's keys, in the order the list shows them."""
    by_number = {number: key for key, number in review.items()}
    response = get(district, user or district.sam, page_size=100, **params)
    assert response.status_code == 200, response.json()
    return [by_number[row["number"]] for row in response.json()["results"]]


def test_it_lists_the_jurisdictions_overdue_cases_most_overdue_first_with_working_days_late(district, review):
    response = get(district, district.sam)

    assert response.status_code == 200, response.json()
    rows = {row["number"]: row for row in response.json()["results"]}
    assert [row["number"] for row in response.json()["results"]] == [
        review["road"],
        review["loan"],
        review["permit"],
        review["returned"],
    ]
    late = {key: rows[review[key]]["overdue_workdays"] for key in ("road", "loan", "permit", "returned")}
    assert late == {"road": 5, "loan": 3, "permit": 2, "returned": 1}

    road = rows[review["road"]]
    assert road["clock"] == "resolution"
    assert datetime.fromisoformat(road["due_at"]) == local(11, 17, 30)
    assert road["overdue_since"] == road["due_at"]
    assert road["unit"] == {"id": district.industry.pk, "name": district.industry.name}
    assert road["assignee"] == {"id": district.carol.pk, "username": "carol", "name": "陈静"}
    assert road["enterprise"] == {"id": district.yixin.pk, "name": district.yixin.name}
    assert road["category"] == {"id": district.infrastructure.pk, "name": district.infrastructure.name}
    assert road["last_event"]["action"] == "accept"
    assert road["last_event"]["action_display"] == "已签收"
    assert road["last_event"]["actor"] == "陈静"
    assert datetime.fromisoformat(road["last_event"]["created_at"]) == local(3, 9)
    # Its first reply (due Thu 5 Nov) and resolution clocks both ran out; routing and signing were on time.
    assert road["breached_clocks"] == 2

    loan = rows[review["loan"]]
    assert loan["last_event"]["action"] == "assign"
    assert loan["last_event"]["actor"] == "杜拉"
    # dave never signed for it: response, first reply and resolution all ran out.
    assert loan["breached_clocks"] == 3


def test_it_writes_an_overdue_case_as_the_declared_fields_would(district, review):
    """The list's rows, written by hand from values, hold to the fields it declares (which the schema shows)
    read from each case as a model."""
    from rest_framework.serializers import Serializer

    from supervision.overdue.api import OverdueCaseSerializer

    rows = get(district, district.sam).json()["results"]

    calendar, now = work_calendar(), timezone.now()
    serializer = OverdueCaseSerializer(context={"calendar": calendar, "now": now})
    cases = overdue_cases(district.sam, now=now, calendar=calendar)
    assert len(rows) == 4
    assert rows == [Serializer.to_representation(serializer, case) for case in cases]


def test_it_reads_the_last_event_whole_to_the_microsecond(district):
    """The last event comes out of the database as one JSON object, its time as text: nothing of it may be lost."""
    returned = file_case(district, at=local(12, 9), title="项目用地地上物迁移")
    sent_back_at = local(16, 9).replace(microsecond=123456)
    with time_machine.travel(sent_back_at, tick=False):
        services.case_send_back(case=returned, acting_user=district.carol, reason="属于街道职责")

    [case] = overdue_cases(district.sam, now=timezone.now(), calendar=work_calendar())

    assert case.last_event.created_at == sent_back_at
    assert case.last_event.created_at.utcoffset() is not None
    assert (case.last_event.action, case.last_event.note) == ("send-back", "属于街道职责")
    assert (case.last_event.action_display, case.last_event.actor_name) == ("已退单", "陈静")


def test_it_lists_a_sent_back_case_past_its_routing_deadline_on_the_routing_clock(district, review):
    rows = {row["number"]: row for row in get(district, district.sam).json()["results"]}

    returned = rows[review["returned"]]
    assert returned["clock"] == "routing"
    assert returned["state"] == "opened"
    assert datetime.fromisoformat(returned["due_at"]) == local(17, 17, 30)
    assert returned["unit"] is None
    assert returned["assignee"] is None
    # Supervisors are officials: the internal reason of the send-back is theirs to read.
    assert returned["last_event"]["action"] == "send-back"
    assert returned["last_event"]["note"] == "属于街道职责"


def test_it_leaves_out_cases_that_are_not_yet_due_resolved_or_closed(district, review):
    shown = set(listed(district, review))

    assert shown == {"road", "loan", "permit", "returned"}
    assert not shown & {"fresh", "resolved", "closed"}


def test_it_shows_the_leader_and_the_dispatcher_the_same_cases(district, review):
    assert listed(district, review, district.leo) == ["road", "loan", "permit", "returned"]
    assert listed(district, review, district.dora) == ["road", "loan", "permit", "returned"]


def test_it_shows_a_supervisor_of_another_district_nothing(district, review):
    response = get(district, district.otto)

    assert response.status_code == 200, response.json()
    assert response.json()["count"] == 0


@pytest.mark.parametrize("name", ["carol", "alice", "hank"])
def test_it_refuses_cadres_enterprises_and_unit_heads(district, review, name):
    user = get_user_model().objects.get(username=name)

    for url in (OVERDUE, EXPORT):
        response = district.client(user).get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403, response
        assert response.json() == {
            "code": "not_an_overseer",
            "message": "Only supervisors, leaders and dispatchers can see the overdue list.",
        }


def test_it_refuses_anonymous_users(district, review):
    assert district.client().get(OVERDUE).status_code == 401


def test_it_filters_by_unit(district, review):
    assert listed(district, review, unit=district.industry.pk) == ["road", "permit"]
    assert listed(district, review, unit=district.commerce.pk) == ["loan"]
    # The exact unit only: the Industry Bureau's sub-unit has none of them.
    assert listed(district, review, unit=district.industry_office.pk) == []


def test_it_filters_by_assignee(district, review):
    assert listed(district, review, assignee=district.dave.pk) == ["loan"]
    assert listed(district, review, assignee=district.carol.pk) == ["road", "permit"]


def test_it_filters_by_category(district, review):
    assert listed(district, review, category=district.financing.pk) == ["loan"]
    assert listed(district, review, category=district.infrastructure.pk) == ["road", "permit", "returned"]


def test_it_filters_by_enterprise(district, review):
    assert listed(district, review, enterprise=district.hongda.pk) == ["loan"]
    assert listed(district, review, enterprise=district.yixin.pk) == ["road", "permit", "returned"]


@pytest.mark.parametrize(
    ("min_workdays", "expected"),
    [
        (1, ["road", "loan", "permit", "returned"]),
        (2, ["road", "loan", "permit"]),
        (3, ["road", "loan"]),
        (4, ["road"]),
        (5, ["road"]),
        (6, []),
    ],
)
def test_it_keeps_cases_at_least_min_workdays_late(district, review, min_workdays, expected):
    assert listed(district, review, min_workdays=min_workdays) == expected


def test_it_counts_min_workdays_back_over_a_weekend(district, review):
    """On Saturday 21 November loan is 5 working days late (Mon 16 – Fri 20) and permit 4 (Tue 17 – Fri 20)."""
    with time_machine.travel(datetime(2026, 11, 21, 11, 0, tzinfo=SHANGHAI), tick=False):
        rows = {row["number"]: row["overdue_workdays"] for row in get(district, district.sam).json()["results"]}
        five = listed(district, review, min_workdays=5)

    assert rows[review["loan"]] == 5
    assert rows[review["permit"]] == 4
    assert five == ["road", "loan"]


def test_it_rejects_a_bad_filter_with_the_field_named(district, review):
    response = get(district, district.sam, min_workdays=0)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "min_workdays" in response.json()["fields"]


def test_it_paginates_like_the_case_list(district, review):
    body = get(district, district.sam, page_size=3).json()

    assert body["count"] == 4
    assert len(body["results"]) == 3
    assert body["next"] is not None


def test_it_counts_every_page_in_its_own_query_and_refuses_one_past_the_last(district, review):
    second = get(district, district.sam, page_size=3, page=2).json()
    last = get(district, district.sam, page_size=3, page="last").json()

    assert (second["count"], len(second["results"]), second["next"]) == (4, 1, None)
    assert last == second
    assert get(district, district.sam, page_size=3, page=3).status_code == 404
    assert get(district, district.sam, page_size=3, page=0).status_code == 404


def add_overdue_cases(district, count: int) -> None:
    for n in range(count):
        file_case(district, at=local(2, 9), title=f"第{n}号问题")


def measure(district, params: dict) -> tuple[int, dict, str]:
    # A fresh user object: the roles are cached on it, and a real request starts without them.
    sam = get_user_model().objects.get(pk=district.sam.pk)
    with CaptureQueriesContext(connection) as queries:
        response = district.client(sam).get(OVERDUE, params)
    assert response.status_code == 200, response.json()
    return len(queries), response.json(), "\n".join(query["sql"] for query in queries.captured_queries)


# 1 for sam's roles (memberships, 包保 periods, enterprise contacts and the unit tree in one), 1 for the
# calendar (overrides and official years), 1 page with its joins, annotations and the total counted in it.
OVERDUE_QUERIES = 3


def test_it_lists_5_and_30_overdue_cases_in_the_same_number_of_queries(district):
    add_overdue_cases(district, 5)
    few, few_body, few_sql = measure(district, {"page_size": 100})
    add_overdue_cases(district, 25)
    many, many_body, many_sql = measure(district, {"page_size": 100})

    assert (len(few_body["results"]), len(many_body["results"])) == (5, 30)
    assert few == OVERDUE_QUERIES, few_sql
    assert many == OVERDUE_QUERIES, many_sql


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page_size": 2},
        {"unit": "industry", "min_workdays": 2},
        {"assignee": "carol", "category": "infrastructure"},
        {"enterprise": "yixin", "urging_level": 0},
        {"urging_level_min": 1},
        {"min_workdays": 3, "page_size": 1},
    ],
)
def test_its_first_page_read_by_a_statement_compiled_once_is_the_page_built_each_time(
    district, review, params, monkeypatch
):
    """Every viewer at two moments (stand-ins of the compiled statement; by the later one, a Thursday, the fresh
    case is overdue too and every other later) against the same list built by the ORM for the request."""
    query = {name: getattr(district, value).pk if isinstance(value, str) else value for name, value in params.items()}
    services.case_urge(
        case=Case.objects.get(number=review["road"]),
        acting_user=district.sam,
        level=1,
        note="请尽快办理",
        answer_due_at=local(20, 17, 30),
    )
    viewers = [district.sam, district.otto, district.leo, district.dora]
    moments = [NOW, local(26, 11)]

    def answers() -> list[dict]:
        bodies = []
        for moment in moments:
            with time_machine.travel(moment, tick=False):
                for viewer in viewers:
                    response = get(district, viewer, **query)
                    assert response.status_code == 200, response.json()
                    bodies.append(response.json())
        return bodies

    compiled = answers()
    monkeypatch.setattr(overdue_api, "overdue_first_page", lambda *args, **kwargs: None)
    built = answers()

    assert compiled == built
    assert any(body["results"] for body in compiled)


def test_a_statement_kept_for_one_viewer_shows_another_only_their_own_cases(district, review):
    """The compiled first page is kept per gate: the same request of a supervisor of another district, after
    sam's, lists none of sam's cases."""
    assert get(district, district.sam).json()["count"] == 4
    other = get(district, district.otto).json()
    assert (other["count"], other["results"]) == (0, [])
    assert get(district, district.sam).json()["count"] == 4


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_it_exports_the_same_rows_as_the_list_with_chinese_headers(district, review):
    response = get(district, district.sam, EXPORT, page_size=1)

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"filename*=utf-8''{quote('逾期清单-2026-11-18.xlsx')}" in response["Content-Disposition"]
    header, *rows = workbook_rows(response)
    assert list(header) == CHINESE_HEADERS
    listed_numbers = [row["number"] for row in get(district, district.sam, page_size=100).json()["results"]]
    assert [row[0] for row in rows] == listed_numbers
    road = dict(zip(CHINESE_HEADERS, rows[0], strict=True))
    assert road == {
        "案件编号": review["road"],
        "标题": "园区道路破损",
        "企业": district.yixin.name,
        "类别": district.infrastructure.name,
        "责任单位": district.industry.name,
        "承办人": "陈静",
        "办结时限": "2026-11-11 17:30",
        "逾期环节": "办结",
        "逾期工作日": 5,
        "最近办理": "已签收 · 陈静",
        "最近办理时间": "2026-11-03 09:00",
        "督办等级": "未督办",
        "督办答复时限": None,
    }
    returned = dict(zip(CHINESE_HEADERS, rows[3], strict=True))
    assert (returned["逾期环节"], returned["责任单位"], returned["承办人"]) == ("分派", None, None)


def test_it_exports_only_the_filtered_rows(district, review):
    header, *rows = workbook_rows(get(district, district.sam, EXPORT, min_workdays=3))

    assert [row[0] for row in rows] == [review["road"], review["loan"]]


def test_it_exports_english_headers_to_an_english_request(district, review):
    response = district.client(district.sam).get(EXPORT, HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Disposition"] == 'attachment; filename="overdue-2026-11-18.xlsx"'
    header, *rows = workbook_rows(response)
    assert header[:3] == ("Case number", "Title", "Enterprise")
    assert header[-4:] == ("Last action", "Last action at", "Urging level", "Urging answer due")
    assert rows[0][7:10] == ("Resolution", 5, "Signed for · 陈静")


def test_it_refuses_an_export_over_the_limit_and_asks_to_narrow_the_filters(district, review, monkeypatch):
    monkeypatch.setattr("supervision.overdue.api.EXPORT_MAX_ROWS", 3)

    response = district.client(district.sam).get(EXPORT, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["code"] == "export_too_large"
    assert "4 cases" in response.json()["message"]
    assert response.json()["message"].endswith("try again.")
    assert workbook_rows(get(district, district.sam, EXPORT, enterprise=district.hongda.pk))[1][0] == review["loan"]
