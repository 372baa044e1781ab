"""Routing a new case: filing and the dispatcher's suggestion read the same rule."""

from cases.models import CaseState
from enterprises.services import service_assignment_change
from workflow import services
from workflow.routing import route_for, routes_for_cases
from workflow.tests.helpers import dispatch_only_category, opened_case


def test_it_routes_to_the_serving_cadre_when_the_category_says_so(district):
    route = route_for(enterprise=district.yixin, category=district.financing)
    assert (route.automatic, route.cadre, route.cadre_unit) == (True, district.carol, district.industry)
    case = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.financing,
        title="贷款",
        description="x",
    )
    assert (case.state, case.assignee, case.responsible_unit) == (CaseState.ASSIGNED, district.carol, district.industry)


def test_it_suggests_but_does_not_route_when_the_category_goes_to_the_dispatcher(district):
    route = route_for(enterprise=district.yixin, category=dispatch_only_category())
    assert (route.automatic, route.cadre, route.default_unit) == (False, district.carol, district.industry)
    assert opened_case(district).state == CaseState.OPENED


def test_it_points_a_local_category_to_the_enterprise_s_township(district):
    assert route_for(enterprise=district.yixin, category=district.infrastructure).default_unit == district.township


def test_it_neither_routes_nor_names_a_cadre_who_left(district):
    district.carol.is_active = False
    district.carol.save()
    route = route_for(enterprise=district.yixin, category=district.financing)
    assert (route.automatic, route.cadre, route.cadre_unit) == (False, None, None)


def test_it_suggests_for_a_page_of_cases_in_one_query(district, django_assert_num_queries):
    service_assignment_change(enterprise=district.hongda, unit=district.commerce, cadre=district.dave)
    cases = [opened_case(district), opened_case(district, by=district.bob, enterprise=district.hongda)]
    with django_assert_num_queries(1):
        routes = routes_for_cases(cases)
        cadres = [routes[case.pk].cadre for case in cases]
    assert cadres == [district.carol, district.dave]
