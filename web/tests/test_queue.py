"""The cadre's queue (late first, sign-for in one click) and the enterprises they serve."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseState
from enterprises.models import Enterprise
from enterprises.services import service_assignment_change
from web.views import work
from workflow import services
from workflow.tests.helpers import assigned_case, reload, resolved_case, routed_case

from .helpers import bulk_assigned_cases, flashed, signed_in

QUEUE_QUERIES = 6


def row_ids(page: str) -> list[int]:
    """The ids of the cases the page lists, in its order."""
    return [int(pk) for pk in re.findall(r'<tr id="queue-case-(\d+)"', page)]


def head_s_queue(district) -> list[Case]:
    """Hank's queue, as he answers for it: the cases of the Industry Bureau and of its office below (each a unit he
    heads), one resolved, and those assigned to him in another unit; in the queue's order (by resolution deadline,
    the resolved last, then by id). Carol's and carla's deadlines repeat one another: the order between units
    rests on the id."""
    bulk_assigned_cases(district, 12)
    bulk_assigned_cases(district, 9, assignee=district.carla, unit=district.industry_office, start=100)
    bulk_assigned_cases(district, 4, assignee=district.hank, unit=district.commerce, start=200)
    bulk_assigned_cases(district, 3, assignee=district.dave, unit=district.commerce, start=300)  # not his
    resolved_case(district)
    held = Case.objects.filter(
        Q(responsible_unit__in=[district.industry, district.industry_office]) | Q(assignee=district.hank),
        state__in=[CaseState.ASSIGNED, CaseState.RESOLVED],
    )
    return sorted(held, key=lambda case: (case.resolution_due_at is None, case.resolution_due_at or 0, case.pk))


def row_numbers(page: str, numbers: list[str]) -> list[str]:
    """The given case numbers in the order the page shows them."""
    return sorted((number for number in numbers if number in page), key=page.index)


def test_it_orders_late_cases_first_then_by_resolution_deadline(district):
    cases = bulk_assigned_cases(district, 10)
    page = signed_in(district.carol).get("/queue/").content.decode()
    by_deadline = sorted(cases, key=lambda case: case.resolution_due_at)
    expected = [case.number for case in by_deadline]
    assert row_numbers(page, expected) == expected
    late = [case for case in cases if case.resolution_due_at < timezone.now()]
    assert late and page.count('class="row--late"') == len(late)


def test_it_shows_only_my_cases_to_a_cadre_and_the_unit_s_to_its_head(district):
    mine = assigned_case(district)
    daves = routed_case(
        district, by=district.bob, enterprise=district.hongda, assignee=district.dave, unit=district.commerce
    )
    carlas = routed_case(
        district, by=district.bob, enterprise=district.hongda, assignee=district.carla, unit=district.industry_office
    )
    carol_page = signed_in(district.carol).get("/queue/").content.decode()
    assert mine.number in carol_page and daves.number not in carol_page and carlas.number not in carol_page
    hank_page = signed_in(district.hank).get("/queue/").content.decode()
    assert mine.number in hank_page and carlas.number in hank_page and daves.number not in hank_page
    assert "陈卡" in hank_page


def test_it_filters_by_state_and_overdue(district):
    resolved = resolved_case(district)
    bulk_assigned_cases(district, 10)
    carol = signed_in(district.carol)
    assert resolved.number in carol.get("/queue/?state=resolved").content.decode()
    assert resolved.number not in carol.get("/queue/?state=assigned").content.decode()
    overdue_page = carol.get("/queue/?overdue=on").content.decode()
    assert overdue_page.count('class="row--late"') == overdue_page.count("<tr id=") > 0


def test_it_paginates_the_queue(district):
    bulk_assigned_cases(district, 25)
    carol = signed_in(district.carol)
    assert carol.get("/queue/").content.decode().count("<tr id=") == 20
    assert carol.get("/queue/?page=2").content.decode().count("<tr id=") == 5


def test_it_pages_a_head_s_queue_across_the_units_they_head_and_their_own_cases(district):
    expected = [case.pk for case in head_s_queue(district)]
    hank = signed_in(district.hank)
    pages = [hank.get(f"/queue/?page={number}").content.decode() for number in (1, 2)]
    assert len(expected) == 26 and [row_ids(page) for page in pages] == [expected[:20], expected[20:]]
    assert all("共 26 件" in page for page in pages)
    # A page past the last shows the last, as everywhere.
    assert row_ids(hank.get("/queue/?page=9").content.decode()) == expected[20:]


def test_it_filters_a_head_s_queue_by_state_and_overdue(district):
    held = head_s_queue(district)
    hank = signed_in(district.hank)
    resolved = [case.pk for case in held if case.state == CaseState.RESOLVED]
    assert resolved and row_ids(hank.get("/queue/?state=resolved").content.decode()) == resolved
    assigned = [case.pk for case in held if case.state == CaseState.ASSIGNED]
    assert row_ids(hank.get("/queue/?state=assigned&page=2").content.decode()) == assigned[20:]
    late = [case.pk for case in held if case.resolution_due_at and case.resolution_due_at < timezone.now()]
    page = hank.get("/queue/?overdue=on").content.decode()
    assert late and row_ids(page) == late and f"共 {len(late)} 件" in page


@pytest.mark.parametrize("query", ["", "?state=resolved", "?state=assigned&overdue=on", "?page=2", "?page=9"])
def test_a_queue_read_by_a_statement_compiled_once_is_the_queue_built_each_time(district, query, monkeypatch):
    """The first page of a cadre's queue, read by a statement compiled once (the person and the moment stand-ins),
    against the same page built for the request: three cadres in turn and a unit head (read as built), now and
    three days on, when more of the cases are late."""
    head_s_queue(district)
    people = [district.carol, district.carla, district.dave, district.hank]
    # The same two moments for both readings: the pages show how long is left to each deadline.
    moments = (timezone.now(), timezone.now() + timedelta(days=3))

    def pages() -> list[str]:
        drawn = []
        for moment in moments:
            with time_machine.travel(moment, tick=False):
                for person in people:
                    response = signed_in(person).get(f"/queue/{query}")
                    assert response.status_code == 200
                    # Without the page's CSRF tokens, new on each request.
                    drawn.append(re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode()))
        return drawn

    compiled = pages()
    monkeypatch.setattr(work, "queue_first_page", lambda *args, **kwargs: None)
    built = pages()

    assert compiled == built
    assert sum(len(row_ids(page)) for page in compiled) > 0


def test_it_offers_signing_for_only_to_the_assignee_of_a_case_not_signed_for(district):
    case = assigned_case(district)
    sign_for = f'action="/queue/{case.pk}/sign-for/"'
    assert sign_for in signed_in(district.carol).get("/queue/").content.decode()
    head_page = signed_in(district.hank).get("/queue/").content.decode()
    assert case.number in head_page and sign_for not in head_page
    signed_in(district.carol).post(f"/queue/{case.pk}/sign-for/", {"version": case.version})
    assert sign_for not in signed_in(district.carol).get("/queue/").content.decode()


def test_it_signs_for_in_place_with_htmx(district):
    case = assigned_case(district)
    response = signed_in(district.carol).post(
        f"/queue/{case.pk}/sign-for/", {"version": case.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="queue-case-{case.pk}"')
    assert "已签收，请抓紧办理。" in row
    assert "sign-for" not in row
    assert reload(case).accepted_at is not None


def test_it_signs_for_without_javascript_and_returns_to_the_queue(district):
    case = assigned_case(district)
    response = signed_in(district.carol, "en").post(f"/queue/{case.pk}/sign-for/", {"version": case.version})
    assert response.status_code == 302 and response.url == "/queue/"
    assert flashed(response) == ["Signed for. The case is now yours to work on."]
    assert reload(case).accepted_at is not None


def test_it_shows_a_refused_sign_for_in_the_row(district):
    case = assigned_case(district)
    services.case_accept(case=case, acting_user=district.carol)
    response = signed_in(district.carol, "en").post(
        f"/queue/{case.pk}/sign-for/", {"version": case.version}, HTTP_HX_REQUEST="true"
    )
    assert "Someone else changed this case a moment ago." in response.content.decode()


def test_it_keeps_the_queue_for_cadres_and_unit_heads(district):
    assert signed_in(district.alice).get("/queue/").status_code == 403
    assert signed_in(district.dora).get("/queue/").status_code == 403


@pytest.mark.parametrize("count", [3, 15])
def test_it_lists_the_queue_in_a_fixed_number_of_queries(district, django_assert_num_queries, count):
    bulk_assigned_cases(district, count)
    carol = signed_in(district.carol)
    with django_assert_num_queries(QUEUE_QUERIES):
        carol.get("/queue/")


@pytest.mark.parametrize("count", [3, 15])
def test_it_lists_a_head_s_queue_of_several_units_in_as_many_queries_as_a_cadre_s(
    district, django_assert_num_queries, count
):
    bulk_assigned_cases(district, count)
    bulk_assigned_cases(district, count, assignee=district.carla, unit=district.industry_office, start=100)
    bulk_assigned_cases(district, count, assignee=district.hank, unit=district.commerce, start=200)
    hank = signed_in(district.hank)
    with django_assert_num_queries(QUEUE_QUERIES):
        hank.get("/queue/")


def test_it_renders_a_queue_of_a_thousand_open_cases_in_the_same_number_of_queries(district):
    """The benchmark of docs/benchmarks.md: run with -s to see the time on this machine."""
    bulk_assigned_cases(district, 1000)
    carol = signed_in(district.carol)
    carol.get("/queue/")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = carol.get("/queue/?page=3")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert len(queries) == QUEUE_QUERIES
    assert "共 1000 件" in response.content.decode()
    print(f"\nqueue of 1000 cases on {connection.vendor}: {elapsed * 1000:.0f} ms, {len(queries)} queries")


def test_it_lists_the_enterprises_i_serve_with_open_and_overdue_counts(district):
    bulk_assigned_cases(district, 10)
    resolved_case(district)
    closed = services.case_withdraw(case=assigned_case(district), acting_user=district.alice, reason="不需要了")
    page = signed_in(district.carol).get("/served/").content.decode()
    assert "亿鑫化工有限公司" in page and "宏达" not in page
    overdue = sum(1 for index in range(10) if index % 10 - 1 < 0)
    assert f'<td data-label="在办诉求">{10 + 1}</td>' in page
    assert f'<strong class="late-count">{overdue}</strong>' in page

    detail = signed_in(district.carol).get(f"/served/?enterprise={district.yixin.pk}").content.decode()
    assert closed.number in detail
    assert (
        signed_in(district.carol)
        .get(f"/served/?enterprise={district.hongda.pk}")
        .content.decode()
        .count("state state--")
        == 0
    )


def test_it_keeps_the_served_page_for_those_who_serve(district):
    assert signed_in(district.dave).get("/served/").status_code == 403


@pytest.mark.parametrize("count", [1, 4])
def test_it_lists_served_enterprises_in_a_fixed_number_of_queries(district, django_assert_num_queries, count):
    for index in range(count):
        enterprise = Enterprise.objects.create(
            name=f"服务企业{index}", credit_code=f"9111000060003{index:04d}X"[:17] + "0", township=district.township
        )
        service_assignment_change(enterprise=enterprise, unit=district.industry, cadre=district.carol)
    carol = signed_in(district.carol)
    # The served enterprises' ids by name, with whether each has a contact who can log in (the counts and the
    # page come from it); the page's enterprises with their last visit and their open and overdue cases; their
    # visit duties; and the duties' deadlines read the working-day calendar.
    with django_assert_num_queries(8):
        carol.get("/served/")


def test_it_counts_a_case_late_only_while_it_is_being_worked_on(district):
    case = assigned_case(district)
    services.case_resolve(case=case, acting_user=district.carol, resolution_type="solved", reply="已处理")
    later = timezone.now() + timedelta(days=60)
    with time_machine.travel(later):
        page = signed_in(district.carol).get("/queue/").content.decode()
    assert 'class="row--late"' not in page and reload(case).state == CaseState.RESOLVED
