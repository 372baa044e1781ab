"""The pages of 并单 and 共性问题: the look-alikes on the case page, merging from there, raising a common problem,
its page with the answer, and the supervisor's view of a period."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseState, Closure, ResolutionType
from supervision.common_problems import services as common
from supervision.common_problems.models import CommonProblem, CommonProblemState
from workflow import services
from workflow.tests.helpers import assigned_case, opened_case

from .helpers import case_url, flashed, signed_in

pytestmark = pytest.mark.django_db


def hongda_case(district) -> Case:
    case = services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="厂区道路破损",
        description="园区道路坑洼。",
    )
    return services.case_assign(case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce)


def raised(district) -> tuple[CommonProblem, Case, Case]:
    yixin, hongda = assigned_case(district), hongda_case(district)
    problem = common.common_problem_raise(
        acting_user=district.dora,
        title="园区道路统一修缮",
        description="多家企业反映园区道路破损。",
        category=district.infrastructure,
        unit=district.industry,
        cases=[yixin, hongda],
    )
    return problem, yixin, hongda


def test_the_dispatcher_sees_look_alikes_and_merges_the_enterprises_duplicate_from_the_case_page(district):
    kept = assigned_case(district)  # 厂区道路破损
    duplicate = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="厂区道路破损严重",
        description="再次反映。",
    )
    client = signed_in(district.dora)

    page = client.get(case_url(duplicate)).content.decode()
    fragment = client.get(case_url(duplicate, "similar")).content.decode()
    merged = client.post(case_url(duplicate, "merge"), {"merge-into": kept.pk, "merge-version": duplicate.version})

    assert f'hx-get="/cases/{duplicate.pk}/similar/"' in page
    assert kept.number in fragment and "并单" in fragment
    assert merged.status_code == 302
    assert "并单" in flashed(merged)[0]
    fresh = Case.objects.get(pk=duplicate.pk)
    assert (fresh.state, fresh.closure, fresh.merged_into_id) == (CaseState.CLOSED, Closure.DUPLICATE, kept.pk)
    shown = signed_in(district.alice).get(case_url(duplicate)).content.decode()
    assert kept.number in shown


def test_an_enterprise_is_offered_no_look_alikes(district):
    case = opened_case(district)

    assert "similar" not in signed_in(district.alice).get(case_url(case)).content.decode()
    assert signed_in(district.alice).get(case_url(case, "similar")).status_code == 404


def test_the_dispatcher_raises_a_common_problem_from_the_look_alikes(district):
    yixin, hongda = assigned_case(district), hongda_case(district)
    client = signed_in(district.dora)

    fragment = client.get(case_url(yixin, "similar")).content.decode()
    form = client.get(f"/supervision/common-problems/new/?cases={yixin.pk},{hongda.pk}")
    response = client.post(
        "/supervision/common-problems/new/",
        {
            "case_ids": f"{yixin.pk},{hongda.pk}",
            "title": "园区道路统一修缮",
            "description": "多家企业反映园区道路破损。",
            "category": district.infrastructure.pk,
            "unit": district.industry.pk,
            "cases": [yixin.pk, hongda.pk],
        },
    )

    assert f"/supervision/common-problems/new/?cases={yixin.pk},{hongda.pk}" in fragment
    assert form.status_code == 200 and hongda.number in form.content.decode()
    problem = CommonProblem.objects.get()
    assert response.status_code == 302 and response.url == f"/supervision/common-problems/{problem.pk}/"
    assert sorted(problem.cases.values_list("pk", flat=True)) == sorted([yixin.pk, hongda.pk])


def test_a_cadre_cannot_raise_one(district):
    assert signed_in(district.carol).get("/supervision/common-problems/new/").status_code == 403


def test_the_unit_answers_on_the_page_and_every_linked_case_is_resolved(district):
    problem, yixin, hongda = raised(district)
    client = signed_in(district.hank, "en")

    page = client.get(f"/supervision/common-problems/{problem.pk}/").content.decode()
    response = client.post(
        f"/supervision/common-problems/{problem.pk}/answer/",
        {"resolution_type": ResolutionType.SOLVED, "answer": "交通局统一修缮园区道路。"},
    )

    assert "Answer for every linked case" in page and yixin.number in page
    # Hongda's case is the Commerce Bureau's: the gate keeps it from the Industry Bureau's head, who answers it.
    assert hongda.number not in page
    assert response.status_code == 302
    assert CommonProblem.objects.get().state == CommonProblemState.ANSWERED
    assert set(Case.objects.values_list("state", flat=True)) == {CaseState.RESOLVED}


def test_the_enterprise_sees_its_case_is_answered_with_others_but_not_by_whom_or_how_many(district):
    problem, yixin, _hongda = raised(district)
    common.common_problem_answer(
        problem=problem, acting_user=district.hank, resolution_type=ResolutionType.SOLVED, answer="统一修缮。"
    )

    page = signed_in(district.alice).get(case_url(yixin)).content.decode()

    assert problem.title in page and "统一修缮。" in page
    assert "宏达" not in page
    assert f"/supervision/common-problems/{problem.pk}/" not in page
    assert signed_in(district.alice).get(f"/supervision/common-problems/{problem.pk}/").status_code == 403


def test_the_supervisor_reads_the_period_in_a_constant_number_of_queries(district):
    raised(district)
    client = signed_in(district.sam, "en")
    client.get("/supervision/common-problems/")

    with CaptureQueriesContext(connection) as few:
        first = client.get("/supervision/common-problems/")
    hongda_case(district)
    for _ in range(3):
        raised(district)
    with CaptureQueriesContext(connection) as more:
        second = client.get("/supervision/common-problems/")

    assert first.status_code == 200
    body = second.content.decode()
    assert "园区道路统一修缮" in body and "Townships and parks with most cases" in body
    assert len(more) == len(few)


def test_the_leaders_board_shows_an_open_common_problem_as_one_item_with_its_enterprises(district):
    problem, _yixin, _hongda = raised(district)

    page = signed_in(district.leo, "en").get("/leader/board/").content.decode()

    assert f'id="board-common-problem-{problem.pk}"' in page
    row = page.split(f'id="board-common-problem-{problem.pk}"')[1].split("</tr>")[0]
    assert problem.title in row and ">2</td>" in row
    common.common_problem_answer(
        problem=problem, acting_user=district.hank, resolution_type=ResolutionType.SOLVED, answer="统一修缮。"
    )
    assert "No common problem is open." in signed_in(district.leo, "en").get("/leader/board/").content.decode()


def test_the_dispatch_list_offers_each_cases_look_alikes_on_demand(district):
    case = opened_case(district)

    page = signed_in(district.dora).get("/dispatch/").content.decode()

    assert f'hx-get="/cases/{case.pk}/similar/" hx-trigger="toggle once from:closest details"' in page
