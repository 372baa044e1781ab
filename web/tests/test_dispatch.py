"""The dispatcher's page: opened cases, returned ones first, each with the route filing would take."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cases.models import CaseState
from enterprises.models import Role, UnitMembership
from enterprises.services import service_assignment_change
from web.views.work import PAGE_SIZE
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
    with django_assert_num_queries(8):
        page = dora.get("/dispatch/").content.decode()
    assert f"{count} 件诉求待分派" in page  # counted from the page's rows


def test_it_counts_a_list_longer_than_a_page_once_more(district, django_assert_num_queries):
    opened_cases(district, PAGE_SIZE + 1)
    dora = signed_in(district.dora)
    with django_assert_num_queries(9):
        page = dora.get("/dispatch/").content.decode()
    assert f"{PAGE_SIZE + 1} 件诉求待分派" in page
    assert page.count('<li class="card dispatch-item') == PAGE_SIZE
    assert dora.get("/dispatch/?page=2").content.decode().count('<li class="card dispatch-item') == 1


def many_cadres(district, count: int) -> None:
    """``count`` more cadres of the Commerce Bureau, each named 商务干部N."""
    User = get_user_model()
    for n in range(count):
        cadre = User.objects.create_user(username=f"commerce{n}", first_name=f"商务干部{n}")
        UnitMembership.objects.create(user=cadre, unit=district.commerce, role=Role.CADRE)


def test_it_offers_the_suggested_units_people_and_lets_the_search_find_everyone_else(district):
    many_cadres(district, 40)
    case = opened_case(district)  # Yixin's, routed to carol's Industry Bureau by its 包保

    page = signed_in(district.dora).get("/dispatch/").content.decode()

    row = next(item for item in page.split('<li class="card dispatch-item') if case.number in item)
    assert f'value="{district.industry.pk}:{district.carol.pk}" selected' in row
    assert "商务干部" not in page  # forty cadres of another unit are not sent with every row
    assert 'hx-get="/lookups/assignable/"' in row


def test_it_finds_assignable_people_by_name_or_unit_for_those_who_route(district):
    many_cadres(district, 40)
    dora = signed_in(district.dora)

    by_name = dora.get("/lookups/assignable/", {"q": "陈静"}).content.decode()
    by_unit = dora.get("/lookups/assignable/", {"q": "商务局"}).content.decode()

    assert f'<option value="{district.industry.pk}:{district.carol.pk}">陈静</option>' in by_name
    assert "商务干部" not in by_name
    people = by_unit.count('<option value="') - by_unit.count('<option value="">')
    assert people == 30  # the first thirty; typing more narrows them
    assert '<optgroup label="商务局">' in by_unit
    nobody = dora.get("/lookups/assignable/", {"q": "不存在的人"}).content.decode()
    assert "没有找到" in nobody


def test_it_names_each_offered_person_as_colleagues_do_a_head_as_head(district):
    nameless = get_user_model().objects.create_user(username="gx-017")
    UnitMembership.objects.create(user=nameless, unit=district.industry, role=Role.CADRE)
    opened_case(district)  # routed to the Industry Bureau

    page = signed_in(district.dora).get("/dispatch/").content.decode()
    found = signed_in(district.dora).get("/lookups/assignable/", {"q": "工业"}).content.decode()

    for options in (page, found):
        assert f'<option value="{district.industry.pk}:{nameless.pk}">gx-017</option>' in options
        assert f'<option value="{district.industry.pk}:{district.hank.pk}">黄海（负责人）</option>' in options


def test_it_lets_a_unit_head_find_only_the_people_of_the_units_they_head(district):
    found = signed_in(district.hank).get("/lookups/assignable/", {"q": ""}).content.decode()

    assert f"{district.industry.pk}:{district.carol.pk}" in found
    assert f"{district.industry_office.pk}:{district.carla.pk}" in found  # a section below the bureau
    assert str(district.dave.pk) not in found.replace(f"{district.industry.pk}:", "")
    assert "刘德" not in found
    for outsider in (district.carol, district.alice):
        assert signed_in(outsider).get("/lookups/assignable/", {"q": "陈"}).status_code == 403
    assert Client().get("/lookups/assignable/").status_code == 302


def test_it_assigns_to_someone_the_search_found_though_the_form_did_not_offer_them(district):
    many_cadres(district, 3)
    case = opened_case(district)
    newcomer = get_user_model().objects.get(username="commerce2")

    response = signed_in(district.dora).post(
        f"/cases/{case.pk}/assign/",
        {"assign-version": case.version, "assign-assignment": f"{district.commerce.pk}:{newcomer.pk}"},
    )

    assert response.status_code == 302
    assert (reload(case).assignee, reload(case).responsible_unit) == (newcomer, district.commerce)


def test_it_refuses_a_unit_head_giving_the_case_to_someone_of_another_unit(district):
    case = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="原料供应不足",
        description="需要协调。",
    )

    response = signed_in(district.hank).post(
        f"/cases/{case.pk}/reassign/",
        {"reassign-version": case.version, "reassign-assignment": f"{district.commerce.pk}:{district.dave.pk}"},
    )

    assert response.status_code == 400
    assert "请选择您可以交办的单位的干部或负责人" in response.content.decode()
    assert reload(case).assignee == district.carol
