"""共性问题: several enterprises' cases raised into one common problem of the unit that owns the policy, answered
once; each enterprise still confirms and rates its own case.

Alice's case of Yixin goes to carol of the Industry Bureau (headed by hank); bob's case of Hongda is routed
by dora to dave of the Commerce Bureau. The common problem goes to the Industry Bureau. Raised on Monday
2 November 2026 at 09:00, it is due 15 working days later: Monday 23 November, 17:30.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from cases.models import Case, CaseEvent, CaseState, EventAction, ResolutionType
from core.tests.logs import logged
from enterprises.models import Enterprise, EnterpriseContact, Unit, UnitKind
from notifications.models import Notification
from supervision.common_problems import services
from supervision.common_problems.models import CommonProblem, CommonProblemState
from supervision.common_problems.reminders import common_problems_sweep
from supervision.common_problems.selectors import top_categories_and_townships
from supervision.rates.periods import period_parse
from workflow import services as workflow

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision/common-problems/"
CASES = "/api/v1/cases/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_2 = datetime(2026, 11, 2, 9, tzinfo=SHANGHAI)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def yixin_case(district) -> Case:
    return workflow.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="园区供电线路容量不足",
        description="新增生产线无法通电。",
    )


def hongda_case(district) -> Case:
    case = workflow.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="园区供电容量不足",
        description="扩产需要增容。",
    )
    return workflow.case_assign(case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce)


def raise_body(district, *cases: Case) -> dict:
    return {
        "title": "园区电力增容政策",
        "description": "多家企业反映园区供电容量不足。",
        "category": district.infrastructure.pk,
        "unit": district.industry.pk,
        "cases": [case.pk for case in cases],
    }


@pytest.fixture
def raised(district):
    """Dora raises both enterprises' cases into one common problem of the Industry Bureau."""
    with travel(MONDAY_2):
        cases = [yixin_case(district), hongda_case(district)]
        response = district.client(district.dora).post(URL, raise_body(district, *cases), format="json")
    assert response.status_code == 201, response.data
    return CommonProblem.objects.get(pk=response.data["id"]), cases


def test_it_raises_a_common_problem_due_in_working_days_and_tells_the_unit(district, raised):
    problem, cases = raised

    body = district.client(district.dora).get(f"{URL}{problem.pk}/").json()

    assert body["state"] == CommonProblemState.OPEN
    assert body["due_at"] == "2026-11-23T17:30:00+08:00"
    assert body["enterprise_count"] == 2
    assert [case["number"] for case in body["cases"]] == [case.number for case in cases]
    recipients = Notification.objects.filter(kind="common_problem_assigned").values_list(
        "recipient__username", flat=True
    )
    assert list(recipients) == ["hank"]
    linked = CaseEvent.objects.filter(action=EventAction.COMMON_PROBLEM).values_list("case_id", "is_internal")
    assert sorted(linked) == sorted((case.pk, False) for case in cases)


def test_one_answer_resolves_every_linked_case_and_each_enterprise_rates_its_own(district, raised):
    problem, (yixin, hongda) = raised

    response = district.client(district.carol).post(
        f"{URL}{problem.pk}/answer/",
        {"resolution_type": ResolutionType.SOLVED, "answer": "供电公司已安排增容，月底前完成。"},
        format="json",
    )

    assert response.status_code == 200, response.data
    assert response.data["state"] == CommonProblemState.ANSWERED
    for case in (yixin, hongda):
        fresh = Case.objects.get(pk=case.pk)
        assert (fresh.state, fresh.reply) == (CaseState.RESOLVED, "供电公司已安排增容，月底前完成。")
        event = CaseEvent.objects.filter(case=case, action=EventAction.RESOLVE).get()
        assert (event.actor, event.data["common_problem"]["id"]) == (district.carol, problem.pk)
    resolved_told = Notification.objects.filter(kind="case_resolved").values_list("recipient__username", flat=True)
    assert sorted(resolved_told) == ["alice", "bob"]
    log = StateLog.objects.get(object_id=problem.pk, transition="give_answer")
    assert (log.by, log.state) == (district.carol, CommonProblemState.ANSWERED)
    rated = workflow.case_close(case=Case.objects.get(pk=yixin.pk), acting_user=district.alice, satisfaction=5)
    assert rated.state == CaseState.CLOSED
    assert Case.objects.get(pk=hongda.pk).state == CaseState.RESOLVED


def test_it_logs_who_gave_it_away_answered_and_closed_it_with_what_they_said(district, raised):
    problem, _cases = raised
    dora = district.client(district.dora)

    given = dora.post(f"{URL}{problem.pk}/assign/", {"unit": district.commerce.pk}, format="json")
    answer = {"resolution_type": ResolutionType.SOLVED, "answer": "商务局协调供电公司增容。"}
    answered = district.client(district.dave).post(f"{URL}{problem.pk}/answer/", answer, format="json")
    closed = dora.post(f"{URL}{problem.pk}/close/", {}, format="json")

    assert [given.status_code, answered.status_code, closed.status_code] == [200, 200, 200], closed.data
    assert logged(problem) == [
        ("assign", "open", "open", "dora", "商务局"),
        ("give_answer", "open", "answered", "dave", "商务局协调供电公司增容。"),
        ("close", "answered", "closed", "dora", ""),
    ]


def test_the_enterprise_reads_the_answer_on_its_case_but_nothing_of_the_others(district, raised):
    problem, (yixin, _hongda) = raised
    services.common_problem_answer(
        problem=problem, acting_user=district.hank, resolution_type=ResolutionType.SOLVED, answer="统一增容。"
    )

    refused = district.client(district.alice).get(URL)
    seen = district.client(district.alice).get(f"{CASES}{yixin.pk}/")

    assert refused.status_code == 403
    assert seen.status_code == 200
    assert seen.data["reply"] == "统一增容。"
    assert EventAction.COMMON_PROBLEM in [event["action"] for event in seen.data["events"]]
    text = seen.content.decode()
    assert "宏达" not in text and "bob" not in text


@pytest.mark.parametrize(
    ("who", "status"),
    [("carol", 403), ("alice", 403), ("sam", 201)],
)
def test_only_dispatchers_and_supervisors_raise_one(district, who, status):
    cases = [yixin_case(district), hongda_case(district)]

    response = district.client(getattr(district, who)).post(URL, raise_body(district, *cases), format="json")

    assert response.status_code == status, response.data


def test_it_refuses_a_case_not_yet_routed_or_already_in_a_common_problem(district, raised):
    _problem, (yixin, _hongda) = raised
    opened = workflow.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="园区供电",
        description="待分派。",
    )

    not_routed = district.client(district.dora).post(URL, raise_body(district, opened), format="json")
    twice = district.client(district.dora).post(URL, raise_body(district, yixin), format="json")
    unknown = district.client(district.dora).post(URL, raise_body(district, yixin) | {"cases": [10**9]}, format="json")

    assert (not_routed.status_code, not_routed.data["code"]) == (409, "case_not_assigned")
    assert (twice.status_code, twice.data["code"]) == (409, "case_linked")
    assert (unknown.status_code, unknown.data["code"]) == (400, "case_unknown")
    assert CommonProblem.objects.count() == 1


def test_only_the_responsible_unit_answers_and_only_once(district, raised):
    problem, _cases = raised
    answer = {"resolution_type": ResolutionType.EXPLAINED, "answer": "政策解释。"}

    outsider = district.client(district.dave).post(f"{URL}{problem.pk}/answer/", answer, format="json")
    first = district.client(district.hank).post(f"{URL}{problem.pk}/answer/", answer, format="json")
    again = district.client(district.hank).post(f"{URL}{problem.pk}/answer/", answer, format="json")

    assert outsider.status_code == 403
    assert first.status_code == 200
    assert (again.status_code, again.data["code"]) == (409, "invalid_state")


def test_a_case_unlinked_is_answered_on_its_own_again(district, raised):
    problem, (yixin, hongda) = raised

    response = district.client(district.dora).post(
        f"{URL}{problem.pk}/unlink/", {"case": hongda.pk, "reason": "不是同一问题"}, format="json"
    )
    services.common_problem_answer(
        problem=problem, acting_user=district.hank, resolution_type=ResolutionType.SOLVED, answer="统一增容。"
    )

    assert response.status_code == 200, response.data
    assert [case["id"] for case in response.data["cases"]] == [yixin.pk]
    assert response.data["enterprise_count"] == 1
    assert Case.objects.get(pk=hongda.pk).state == CaseState.ASSIGNED
    assert Case.objects.get(pk=yixin.pk).state == CaseState.RESOLVED


def test_it_reminds_the_unit_before_and_everyone_once_when_overdue(district, raised):
    problem, _cases = raised

    with travel(datetime(2026, 11, 20, 9, tzinfo=SHANGHAI)):  # the working day before
        soon = common_problems_sweep().reminded
    with travel(datetime(2026, 11, 24, 9, tzinfo=SHANGHAI)):  # the morning after the due day
        late, again = common_problems_sweep().reminded, common_problems_sweep().reminded

    assert soon == 1  # to hank
    overdue = Notification.objects.filter(kind="reminder_common_problem_overdue")
    assert sorted(overdue.values_list("recipient__username", flat=True)) == ["dora", "hank", "sam"]
    assert (late, again) == (1, 0)  # one step, taken once; the due-day warning is moot by then


def test_the_supervisor_reads_the_periods_common_problems_and_where_cases_come_from_in_few_queries(district, raised):
    problem, _cases = raised
    client = district.client(district.sam)
    client.get(f"{URL}summary/", {"period": "2026-11"})  # the session and the roles are read once

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{URL}summary/", {"period": "2026-11"})

    assert response.status_code == 200, response.data
    assert [(row["id"], row["enterprise_count"]) for row in response.data["common_problems"]] == [(problem.pk, 2)]
    assert response.data["categories"][0] == {
        "id": district.infrastructure.pk,
        "name_zh": district.infrastructure.name_zh,
        "name_en": district.infrastructure.name_en,
        "cases": 2,
    }
    assert response.data["townships"] == [{"id": district.township.pk, "name": district.township.name, "cases": 2}]
    assert len(queries) == 2, [query["sql"] for query in queries]  # the problems; the categories and townships
    assert client.get(f"{URL}summary/", {"period": "2026-10"}).data["common_problems"] == []


def test_it_lists_common_problems_in_a_constant_number_of_queries(district, raised):
    client = district.client(district.dora)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        first = client.get(URL)
    for index in range(3):
        cases = [yixin_case(district), hongda_case(district)]
        body = raise_body(district, *cases) | {"title": f"共性问题{index}"}
        assert client.post(URL, body, format="json").status_code == 201

    with CaptureQueriesContext(connection) as four:
        response = client.get(URL)

    assert first.data["count"] == 1 and response.data["count"] == 4
    assert {row["enterprise_count"] for row in response.data["results"]} == {2}
    assert len(four) == len(one)


def test_a_supervisor_who_gives_one_away_reads_what_they_did_then_no_longer_sees_it(district):
    with travel(MONDAY_2):
        cases = [yixin_case(district), hongda_case(district)]
        body = {**raise_body(district, *cases), "unit": district.other_bureau.pk}
        problem_id = district.client(district.dora).post(URL, body, format="json").data["id"]
        otto = district.client(district.otto)

        given = otto.post(f"{URL}{problem_id}/assign/", {"unit": district.industry.pk}, format="json")
        afterwards = otto.get(f"{URL}{problem_id}/")

    assert given.status_code == 200, given.data
    assert (given.data["unit"]["name"], given.data["enterprise_count"]) == (district.industry.name, 2)
    assert given.data["cases"] == []  # the district's cases were never his to see
    assert afterwards.status_code == 404


def test_it_adds_up_each_category_and_township_of_the_periods_cases_from_one_count(district, django_assert_num_queries):
    elsewhere = Unit.objects.create(name="东城镇", kind=UnitKind.TOWNSHIP, parent=district.district)
    dongcheng = Enterprise.objects.create(name="东城电子有限公司", credit_code="91110000MA01XXXX1X", township=elsewhere)
    EnterpriseContact.objects.create(user=district.alice, enterprise=dongcheng)
    filed = [
        (district.yixin, district.financing),
        (district.yixin, district.financing),
        (district.yixin, district.infrastructure),
        (dongcheng, district.infrastructure),
        (dongcheng, district.infrastructure),
    ]
    with travel(MONDAY_2):
        for enterprise, category in filed:
            workflow.case_file(
                acting_user=district.alice, enterprise=enterprise, category=category, title="用地", description="用地。"
            )

    with django_assert_num_queries(2):  # the roles, then one count for both lists
        top = top_categories_and_townships(district.sam, period_parse("2026-11"), now=MONDAY_2)
    categories, townships = top.categories, top.townships

    assert [(row["category_pk"], row["cases"]) for row in categories] == [
        (district.infrastructure.pk, 3),
        (district.financing.pk, 2),
    ]
    assert [(row["township_pk"], row["name"], row["cases"]) for row in townships] == [
        (district.township.pk, "新华街道", 3),
        (elsewhere.pk, "东城镇", 2),
    ]


def test_it_counts_a_unit_heads_units_and_the_rest_they_see_each_once_in_one_query(district, django_assert_num_queries):
    with travel(MONDAY_2):
        industry = yixin_case(district)  # routed to carol, the 包联 cadre of the Industry Bureau
        office = workflow.case_assign(
            case=workflow.case_file(
                acting_user=district.bob,
                enterprise=district.hongda,
                category=district.infrastructure,
                title="园区供电容量不足",
                description="扩产需要增容。",
            ),
            acting_user=district.dora,
            assignee=district.carla,
            unit=district.industry_office,
        )
        hongda_case(district)  # the Commerce Bureau's: not hank's to see

    with django_assert_num_queries(2):  # the roles, then the parts counted in one query
        top = top_categories_and_townships(district.hank, period_parse("2026-11"), now=MONDAY_2)

    assert industry.responsible_unit != office.responsible_unit  # two parts of his subtree
    assert [(row["category_pk"], row["cases"]) for row in top.categories] == [(district.infrastructure.pk, 2)]
    assert [(row["township_pk"], row["cases"]) for row in top.townships] == [(district.township.pk, 2)]
