"""The dispatcher's page: opened cases, returned ones first, each with the route filing would take."""

import pytest

from cases.models import CaseState
from enterprises.services import service_assignment_change
from workflow import services
from workflow.tests.helpers import opened_case, reload

from .helpers import opened_cases, signed_in


def test_it_lists_returned_cases_first_with_the_reason(district):
    waiting = opened_case(district)
    returned = services.case_assign(
        case=opened_case(district), acting_user=district.dora, assignee=district.dave, unit=district.commerce
    )
    returned = services.case_send_back(case=returned, acting_user=district.dave, reason="不属于商务局职责")
    page = signed_in(district.dora).get("/dispatch/").content.decode()
    assert page.index(returned.number) < page.index(waiting.number)
    assert "不属于商务局职责" in page and "已退回" in page


def test_it_suggests_the_serving_cadre_and_the_category_s_default_unit_and_prefills_the_form(district):
    case = opened_case(district)
    page = signed_in(district.dora).get("/dispatch/").content.decode()
    assert "陈静（工业和信息化局）" in page
    assert f'<option value="{district.industry.pk}:{district.carol.pk}" selected>' in page
    assert f'id="id_case{case.pk}_assign-assignment"' in page


def test_it_suggests_the_township_for_a_local_category_of_an_enterprise_without_a_cadre(district):
    service_assignment_change(enterprise=district.hongda, unit=district.commerce)
    case = services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.infrastructure,
        title="职工宿舍供水不足",
        description="夏季用水高峰断水。",
    )
    assert case.state == CaseState.OPENED
    page = signed_in(district.dora).get("/dispatch/").content.decode()
    row = next(item for item in page.split('<li class="card dispatch-item') if case.number in item)
    assert "类别默认责任单位: 新华街道" in row
    assert '包联干部: <span class="muted">无</span>' in row
    assert '<option value="" selected>' in row


def test_it_assigns_from_the_list_and_comes_back_to_it(district):
    case = opened_case(district)
    dora = signed_in(district.dora)
    response = dora.post(
        f"/cases/{case.pk}/assign/",
        {
            "assign-version": case.version,
            "assign-assignment": f"{district.commerce.pk}:{district.dave.pk}",
            "next": "/dispatch/",
        },
    )
    assert response.status_code == 302 and response.url == "/dispatch/"
    case = reload(case)
    assert (case.state, case.assignee) == (CaseState.ASSIGNED, district.dave)
    assert case.number not in dora.get("/dispatch/").content.decode()


def test_it_ignores_a_next_address_on_another_site(district):
    case = opened_case(district)
    response = signed_in(district.dora).post(
        f"/cases/{case.pk}/assign/",
        {
            "assign-version": case.version,
            "assign-assignment": f"{district.commerce.pk}:{district.dave.pk}",
            "next": "https://evil.example/",
        },
    )
    assert response.url == f"/cases/{case.pk}/"


def test_it_keeps_dispatch_for_dispatchers_and_supervisors(district):
    assert signed_in(district.dora).get("/dispatch/").status_code == 200
    assert signed_in(district.sam).get("/dispatch/").status_code == 200
    for user in (district.carol, district.alice, district.hank):
        assert signed_in(user).get("/dispatch/").status_code == 403


@pytest.mark.parametrize("count", [2, 7])
def test_it_lists_dispatch_in_a_fixed_number_of_queries(district, django_assert_num_queries, count):
    opened_cases(district, count)
    dora = signed_in(district.dora)
    with django_assert_num_queries(12):
        dora.get("/dispatch/")
