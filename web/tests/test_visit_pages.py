"""The visit pages through the Django test client: recording a visit with a problem, one visit as an official
and as the enterprise, an enterprise's visits and duties, the desk, the served page, the case page, the
rankings' visit coverage with its enterprises, and the inbox's way to a missed visit.

Wednesday 18 November 2026, 10:00 Beijing time, is "now", and Yixin's 包保 starts then: carol (Industry
Bureau, headed by hank) is its cadre, leo its leader. Her duty is due 31 days later, Monday 21 December.
"""

from datetime import datetime

import pytest
import time_machine

from cases.models import Case, CaseState
from enterprises.models import Enterprise
from enterprises.services import service_assignment_change
from notifications.models import Notification
from supervision.visits.models import Visit, VisitMode
from supervision.visits.reminders import visit_duties_sweep
from supervision.visits.services import ProblemFound, visit_record
from workflow.workdays import SHANGHAI

from .helpers import flashed, signed_in

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
MORNING = datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI)
NOTES = "企业计划明年扩产，关心用地指标。"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def recorded(district, *, problems: tuple[str, ...] = ("园区专用电力线缆需增容",), visitor=None) -> Visit:
    return visit_record(
        enterprise=district.yixin,
        acting_user=visitor or district.carol,
        visited_at=MORNING,
        mode=VisitMode.ON_SITE,
        met_with="王丽（行政经理）",
        notes=NOTES,
        problems=[ProblemFound(district.infrastructure, title, "现有线路容量不足。") for title in problems],
    )


def form_data(district, **changes) -> dict:
    return {
        "enterprise": district.yixin.pk,
        "visited_on": "2026-11-18",
        "visited_time": "09:00",
        "mode": VisitMode.ON_SITE,
        "met_with": "王丽（行政经理）",
        "notes": NOTES,
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "20",
        "form-0-category": district.infrastructure.pk,
        "form-0-title": "园区专用电力线缆需增容",
        "form-0-description": "新生产线投产后现有线路容量不足。",
        "form-1-category": "",
        "form-1-title": "",
        "form-1-description": "",
        **changes,
    }


def test_it_records_a_visit_with_a_problem_from_the_form(district):
    response = signed_in(district.carol).post("/visits/new/", form_data(district))

    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == f"/visits/{visit.pk}/"
    assert flashed(response) == ["走访已记录；发现的每个问题都已作为企业的诉求提交。"]
    case = Case.objects.get()
    assert (case.title, case.enterprise, case.filed_by, case.state) == (
        "园区专用电力线缆需增容",
        district.yixin,
        district.carol,
        CaseState.ASSIGNED,
    )
    assert visit.visited_at == MORNING and visit.problems.get().case == case


def test_it_offers_one_more_problem_row_without_judging_the_form(district):
    response = signed_in(district.carol).post("/visits/new/", {**form_data(district), "notes": "", "more": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="form-TOTAL_FORMS" value="3"' in page and 'id="problem-3"' in page
    assert 'class="error"' not in page and Visit.objects.count() == 0


def test_it_shows_the_form_again_with_what_the_service_refused(district):
    response = signed_in(district.carol).post("/visits/new/", form_data(district, visited_on="2026-11-19"))

    assert response.status_code == 400
    assert "走访记录应在走访之后填写" in response.content.decode()
    assert (Visit.objects.count(), Case.objects.count()) == (0, 0)


def test_it_offers_the_form_only_to_those_who_serve_enterprises(district):
    assert signed_in(district.dave).get("/visits/new/").status_code == 403
    page = signed_in(district.hank).get(f"/visits/new/?enterprise={district.yixin.pk}").content.decode()
    assert f'<option value="{district.yixin.pk}" selected>亿鑫化工有限公司</option>' in page


def test_it_shows_the_visit_with_its_notes_to_officials_and_without_to_the_enterprise(district):
    visit = recorded(district)

    official = signed_in(district.hank).get(f"/visits/{visit.pk}/").content.decode()
    enterprise = signed_in(district.alice).get(f"/visits/{visit.pk}/").content.decode()

    assert NOTES in official and "王丽（行政经理）" in official
    assert "陈静" in enterprise and "园区专用电力线缆需增容" in enterprise and "实地走访" in enterprise
    assert NOTES not in enterprise and "王丽（行政经理）" not in enterprise
    assert signed_in(district.dave).get(f"/visits/{visit.pk}/").status_code == 404
    assert signed_in(district.bob).get(f"/visits/{visit.pk}/").status_code == 404


def test_it_shows_the_enterprise_its_visits_in_english_too(district):
    visit = recorded(district)

    page = signed_in(district.alice, "en").get("/my/visits/").content.decode()

    assert f'href="/visits/{visit.pk}/"' in page and "On site" in page and "园区专用电力线缆需增容" in page
    assert NOTES not in page
    assert f"/visits/{visit.pk}/" not in signed_in(district.bob).get("/my/visits/").content.decode()
    assert signed_in(district.carol).get("/my/visits/").status_code == 403


def test_it_lists_an_enterprise_s_visits_and_duties_for_officials(district):
    recorded(district)

    page = signed_in(district.carol).get(f"/enterprises/{district.yixin.pk}/visits/").content.decode()

    assert "园区专用电力线缆需增容" in page and "记录走访" in page
    assert "包联干部" in page and "2026-12-21 17:30" in page  # 18 November + 31 days
    assert signed_in(district.alice).get(f"/enterprises/{district.yixin.pk}/visits/").status_code == 403
    elsewhere = signed_in(district.dave).get(f"/enterprises/{district.yixin.pk}/visits/").content.decode()
    assert "园区专用电力线缆需增容" not in elsewhere and "记录走访" not in elsewhere


def test_it_shows_the_desk_of_one_s_duties(district):
    recorded(district)

    carol = signed_in(district.carol).get("/visits/").content.decode()
    hank = signed_in(district.hank).get("/visits/").content.decode()

    assert "亿鑫化工有限公司" in carol and "2026-12-21 17:30" in carol
    assert "工业和信息化局负责人" in hank  # the unit's level, held by its heads
    assert signed_in(district.dave).get("/visits/").status_code == 403


def test_it_shows_the_last_visit_and_the_duties_on_the_served_page(district):
    recorded(district)

    page = signed_in(district.carol).get("/served/").content.decode()

    assert "最近走访 2026-11-18 09:00" in page
    assert f'href="/visits/new/?enterprise={district.yixin.pk}"' in page
    assert "包联干部 陈静" in page and "包保领导 李强" in page


def test_it_reads_the_enterprise_s_visits_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    client = signed_in(district.sam)
    recorded(district)
    client.get(f"/enterprises/{district.yixin.pk}/visits/")
    with django_assert_num_queries(11):
        client.get(f"/enterprises/{district.yixin.pk}/visits/")
    for _ in range(3):
        recorded(district, problems=("用地指标不足", "招工难"))
    with django_assert_num_queries(11):
        response = client.get(f"/enterprises/{district.yixin.pk}/visits/")
    assert response.content.decode().count('id="visit-') == 4


def test_it_reads_the_desk_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    client = signed_in(district.carol)
    recorded(district)
    with django_assert_num_queries(10):
        client.get("/visits/")
    for number in range(3):
        other = Enterprise.objects.create(
            name=f"服务企业{number}", credit_code=f"9123010900000000{number}X", township=district.township
        )
        service_assignment_change(enterprise=other, unit=district.industry, cadre=district.carol)
    with django_assert_num_queries(10):
        response = client.get("/visits/")
    assert response.content.decode().count("服务企业") == 3


def test_it_says_on_the_case_page_that_the_case_was_found_on_a_visit(district):
    visit = recorded(district)
    case = visit.problems.get().case

    page = signed_in(district.alice).get(f"/cases/{case.pk}/").content.decode()

    assert "走访中发现" in page and f'href="/visits/{visit.pk}/"' in page


def test_it_opens_the_enterprise_s_visits_from_a_missed_visit_in_the_inbox(district):
    with time_machine.travel(datetime(2026, 12, 22, 9, 0, tzinfo=SHANGHAI), tick=False):
        visit_duties_sweep()
        notification = Notification.objects.get(recipient=district.hank, kind="reminder_visit_duty_missed")
        response = signed_in(district.hank).post(f"/inbox/{notification.pk}/read/")

    assert response.url == f"/enterprises/{district.yixin.pk}/visits/"


def test_it_shows_the_visit_coverage_in_the_rankings_with_its_enterprises(district):
    recorded(district)
    hongda_served = Enterprise.objects.get(pk=district.hongda.pk)
    service_assignment_change(enterprise=hongda_served, unit=district.industry, cadre=district.carla)

    rankings = signed_in(district.sam, "en").get("/supervision/rates/", {"period": "2026-11"}).content.decode()
    rest = signed_in(district.sam, "en").get(
        "/supervision/rates/enterprises/",
        {"period": "2026-11", "metric": "visit_coverage", "part": "rest", "unit": district.industry.pk},
    )

    assert "Visit coverage" in rankings
    assert "50.0%" in rankings  # Industry: Yixin visited of Yixin and Hongda
    assert "/supervision/rates/enterprises/?period=2026-11&amp;metric=visit_coverage&amp;part=numerator" in rankings
    page = rest.content.decode()
    assert rest.status_code == 200 and "宏达机械制造有限公司" in page and "亿鑫化工有限公司" not in page
    assert "Never visited" in page
    refused = signed_in(district.carol).get("/supervision/rates/enterprises/", {"metric": "visit_coverage"})
    assert refused.status_code == 403
