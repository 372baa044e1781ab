"""The supervision pages through the Django test client: the overdue board and urging from it, extension
decisions, the rankings with their drill-down and charts, and the leader's board.

Wednesday 18 November 2026, 10:00 Beijing time, is "now". Yixin's cases go to carol (Industry Bureau) when
filed; Hongda's are routed by dora to dave (Commerce Bureau). Seven working days to resolve.
"""

import re
from datetime import date, datetime

import pytest
import time_machine
from django.test import Client

from cases.models import Case, CaseEvent, EventAction, ResolutionType, UrgingLevel
from enterprises.models import Enterprise, KeyProject, ProjectStage, TaskForceLevel, TaskForceMember, Unit, UnitKind
from enterprises.services import service_assignment_change
from supervision.rates.periods import period_parse
from supervision.rates.permissions import rated_units_for_user
from supervision.rates.selectors import cadre_table
from web.templatetags.casework import person
from web.views import rankings
from workflow import services
from workflow.models import DeadlinePolicy, ExtensionRequest, ExtensionState
from workflow.workdays import SHANGHAI

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
OVERDUE = "/supervision/overdue/"
EXTENSIONS = "/supervision/extensions/"
RATES = "/supervision/rates/"
BOARD = "/leader/board/"


def local(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def browser(user, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def yixin_case(district, *, filed: datetime, title: str = "园区道路破损") -> Case:
    """Filed by alice and assigned to carol at ``filed``; due seven working days later at 17:30."""
    with time_machine.travel(filed, tick=False):
        return services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title=title,
            description=f"{title}，影响生产。",
        )


def hongda_case(district, *, filed: datetime, title: str = "贷款贴息迟迟未到账") -> Case:
    with time_machine.travel(filed, tick=False):
        case = services.case_file(
            acting_user=district.bob,
            enterprise=district.hongda,
            category=district.financing,
            title=title,
            description=f"{title}，资金周转困难。",
        )
        if case.assignee_id is None:
            case = services.case_assign(
                case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce
            )
        return case


def urged(district, case: Case, level: int, *, note: str = "请加快办理。") -> Case:
    return services.case_urge(case=case, acting_user=district.sam, level=level, note=note, answer_due_at=local(25, 17))


def case_link(case: Case) -> str:
    return f'href="/cases/{case.pk}/"'


# --- the overdue board -------------------------------------------------------------------------------------


def test_it_lists_overdue_cases_with_working_days_late_and_their_last_action(district):
    road = yixin_case(district, filed=local(2))  # due Wed 11 Nov 17:30: Thu, Fri, Mon, Tue, Wed = 5 days late
    fresh = yixin_case(district, filed=local(16), title="新厂区用电报装")

    response = browser(district.sam).get(OVERDUE)

    assert response.status_code == 200
    page = response.content.decode()
    assert case_link(road) in page and road.number in page
    assert case_link(fresh) not in page
    assert "5 working days overdue" in page
    row = page[page.index(f'id="case-{road.pk}"') :]
    assert re.search(r'data-label="Working days late" class="number">5<', row)
    assert "Assigned" in row or "Filed" in row
    assert "1 overdue case" in page


def test_it_filters_the_board_by_unit_and_counts_per_unit_and_level(district):
    road = yixin_case(district, filed=local(2))
    loan = hongda_case(district, filed=local(3))
    urged(district, loan, UrgingLevel.SUPERVISED)

    everything = browser(district.sam).get(OVERDUE).content.decode()
    assert case_link(road) in everything and case_link(loan) in everything
    assert f'href="?unit={district.industry.pk}">工业和信息化局</a>' in everything
    assert f'href="?urging_level={UrgingLevel.SUPERVISED}">Supervised (督办)</a>' in everything

    commerce = browser(district.sam).get(OVERDUE, {"unit": district.commerce.pk}).content.decode()
    assert case_link(loan) in commerce and case_link(road) not in commerce
    assert "1 overdue case" in commerce
    assert f"/api/v1/supervision/overdue/export/?unit={district.commerce.pk}" in commerce

    supervised = browser(district.sam).get(OVERDUE, {"urging_level": 2}).content.decode()
    assert case_link(loan) in supervised and case_link(road) not in supervised


def test_it_shows_a_bad_filter_next_to_its_field_and_lists_everything(district):
    road = yixin_case(district, filed=local(2))
    response = browser(district.sam).get(OVERDUE, {"min_workdays": "0"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in page
    assert case_link(road) in page


def test_it_refuses_the_board_to_a_cadre_and_shows_otto_nothing_of_another_district(district):
    road = yixin_case(district, filed=local(2))
    refused = browser(district.carol).get(OVERDUE)
    assert refused.status_code == 403
    assert "Only supervisors, leaders and dispatchers can see the overdue list." in refused.content.decode()

    others = browser(district.otto).get(OVERDUE).content.decode()
    assert case_link(road) not in others
    assert "No overdue cases match." in others


def test_it_urges_a_case_from_the_board_and_shows_its_new_level(district):
    road = yixin_case(district, filed=local(2))
    client = browser(district.sam)
    board = client.get(OVERDUE, {"unit": district.industry.pk}).content.decode()
    assert f'action="/supervision/overdue/{road.pk}/urge/"' in board

    response = client.post(
        f"/supervision/overdue/{road.pk}/urge/",
        {
            "level": UrgingLevel.SUPERVISED,
            "note": "逾期五个工作日，请说明原因。",
            "answer_due": "2026-11-20",
            "version": road.version,
            "next": f"{OVERDUE}?unit={district.industry.pk}",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{OVERDUE}?unit={district.industry.pk}"
    road.refresh_from_db()
    assert road.urging_level == UrgingLevel.SUPERVISED
    assert road.urging_answer_due_at == datetime(2026, 11, 20, 17, 30, tzinfo=SHANGHAI)
    event = CaseEvent.objects.filter(case=road, action=EventAction.URGE).get()
    assert event.actor == district.sam and event.note == "逾期五个工作日，请说明原因。"
    after = client.get(response["Location"]).content.decode()
    assert f"{road.number}: urging level now “Supervised (督办)”." in after
    assert '<span class="level">Supervised (督办)</span>' in after


def test_it_keeps_an_incomplete_urging_on_its_own_page_with_the_errors_by_the_fields(district):
    road = yixin_case(district, filed=local(2))
    response = browser(district.sam).post(
        f"/supervision/overdue/{road.pk}/urge/", {"level": UrgingLevel.URGED, "note": "", "version": road.version}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in page
    assert "Say by when the next answer is due." in page
    road.refresh_from_db()
    assert road.urging_level == UrgingLevel.NONE


def test_it_shows_why_the_server_refused_an_urging(district):
    road = yixin_case(district, filed=local(2))
    response = browser(district.carol).post(
        f"/supervision/overdue/{road.pk}/urge/",
        {"level": UrgingLevel.URGED, "note": "催一下", "answer_due": "2026-11-20", "version": road.version},
    )
    assert response.status_code == 200
    assert "Only a supervisor whose jurisdiction covers this case can change its urging level." in (
        response.content.decode()
    )
    road.refresh_from_db()
    assert road.urging_level == UrgingLevel.NONE


def test_it_refuses_an_urging_made_on_an_older_copy_of_the_case(district):
    road = yixin_case(district, filed=local(2))
    stale_version = road.version
    urged(district, road, UrgingLevel.URGED)
    response = browser(district.sam).post(
        f"/supervision/overdue/{road.pk}/urge/",
        {"level": UrgingLevel.LISTED, "note": "挂牌", "answer_due": "2026-11-20", "version": stale_version},
    )
    assert "Someone else changed this case a moment ago. Reload it and try again." in response.content.decode()
    road.refresh_from_db()
    assert road.urging_level == UrgingLevel.URGED


def test_it_hides_urging_from_a_leader_and_a_case_from_a_supervisor_elsewhere(district):
    road = yixin_case(district, filed=local(2))
    leo_sees = browser(district.leo).get(OVERDUE).content.decode()
    assert case_link(road) in leo_sees
    assert "Save urging level" not in leo_sees
    assert browser(district.otto).get(f"/supervision/overdue/{road.pk}/urge/").status_code == 404


def test_it_reads_the_board_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    yixin_case(district, filed=local(2))
    client = browser(district.sam)
    client.get(OVERDUE)  # the session and the calendar tables warm up alike for both sizes
    # The enterprise and assignee filters read nothing: their options come from a search as one types.
    # 11 for the overdue list and its summary, 2 for the paused cases beside it (a page and their count).
    with django_assert_num_queries(11):
        client.get(OVERDUE)
    for day in (3, 4, 5):
        yixin_case(district, filed=local(day), title=f"第{day}号问题")
        hongda_case(district, filed=local(day), title=f"宏达第{day}号问题")
    with django_assert_num_queries(11):
        response = client.get(OVERDUE)
    assert "7 overdue cases" in response.content.decode()


def test_it_filters_the_board_by_a_person_or_an_enterprise_found_by_searching(district):
    yixin_case(district, filed=local(2))
    hongda_case(district, filed=local(3), title="宏达的问题")
    client = browser(district.sam)

    found = client.get("/lookups/people/", {"q": "陈静"}).content.decode()
    enterprises = client.get("/lookups/enterprises/", {"q": "宏达"}).content.decode()
    page = client.get(OVERDUE, {"assignee": district.carol.pk}).content.decode()

    assert f'<option value="{district.carol.pk}">陈静</option>' in found and "刘德" not in found
    assert f'<option value="{district.hongda.pk}">宏达机械制造有限公司</option>' in enterprises
    assert "亿鑫" not in enterprises
    # The chosen person stays chosen; nobody else's name is sent with the page.
    assert f'<option value="{district.carol.pk}" selected>陈静</option>' in page
    assert "宏达的问题" not in page and "刘德" not in page.split("<table")[0]
    assert 'hx-get="/lookups/enterprises/"' in page


def test_it_lets_only_those_who_read_the_board_search_its_people(district):
    for user in (district.carol, district.alice):
        assert browser(user).get("/lookups/people/", {"q": "陈"}).status_code == 403
    assert browser(district.alice).get("/lookups/enterprises/", {"q": "宏达"}).status_code == 403
    # A supervisor of another district finds nobody of this one.
    assert "陈静" not in browser(district.otto).get("/lookups/people/", {"q": "陈静"}).content.decode()


# --- extensions --------------------------------------------------------------------------------------------


def extension_asked(district, case: Case, due: date = date(2026, 12, 4)) -> ExtensionRequest:
    return services.extension_request_create(
        case=case, acting_user=district.carol, requested_due_date=due, reason="需协调供电公司改线。"
    )


def test_it_approves_an_extension_and_lists_it_among_the_decided(district):
    case = yixin_case(district, filed=local(16))
    extension = extension_asked(district, case)
    client = browser(district.sam)
    page = client.get(EXTENSIONS).content.decode()
    assert "1 request waits for your decision" in page
    assert f'action="/supervision/extensions/{extension.pk}/decide/"' in page
    assert case_link(case) in page

    response = client.post(
        f"/supervision/extensions/{extension.pk}/decide/", {"decision": "approve", "note": "同意延期。"}
    )

    assert response.status_code == 302
    extension.refresh_from_db()
    case.refresh_from_db()
    assert extension.state == ExtensionState.APPROVED and extension.decided_by == district.sam
    assert case.resolution_due_at == datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI)
    after = client.get(response["Location"]).content.decode()
    assert f"More time for {case.number} approved." in after
    assert "Nothing waits for your decision." in after
    assert "同意延期。" in after and "Approved" in after


def test_it_refuses_a_rejection_without_a_note(district):
    extension = extension_asked(district, yixin_case(district, filed=local(16)))
    client = browser(district.sam)
    response = client.post(f"/supervision/extensions/{extension.pk}/decide/", {"decision": "reject", "note": ""})
    assert "Say why the request is rejected." in client.get(response["Location"]).content.decode()
    extension.refresh_from_db()
    assert extension.state == ExtensionState.PENDING


def test_it_offers_a_unit_head_only_what_the_policy_lets_heads_decide(district):
    extension = extension_asked(district, yixin_case(district, filed=local(16)))
    assert "Nothing waits for your decision." in browser(district.hank).get(EXTENSIONS).content.decode()

    DeadlinePolicy.objects.create(category=district.financing, complexity="ordinary", unit_head_decides_extensions=True)
    assert "Nothing waits for your decision." in browser(district.hank).get(EXTENSIONS).content.decode()

    DeadlinePolicy.objects.create(
        category=district.infrastructure, complexity="ordinary", unit_head_decides_extensions=True
    )
    page = browser(district.hank).get(EXTENSIONS).content.decode()
    assert f'action="/supervision/extensions/{extension.pk}/decide/"' in page
    assert browser(district.carol).get(EXTENSIONS).status_code == 403


def test_it_reads_the_extensions_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    def one_pending_one_decided(title: str) -> None:
        extension_asked(district, yixin_case(district, filed=local(16), title=f"{title}待决定"))
        decided = extension_asked(district, yixin_case(district, filed=local(17), title=f"{title}已决定"))
        services.extension_decide(extension=decided, acting_user=district.sam, approve=False, note="理由不足。")

    one_pending_one_decided("一")
    client = browser(district.sam)
    client.get(EXTENSIONS)
    # 10 with the pauses beyond the limits (waiting, and decided lately); the decided requests are counted by
    # their page's own query.
    with django_assert_num_queries(10):
        client.get(EXTENSIONS)
    one_pending_one_decided("二")
    one_pending_one_decided("三")
    with django_assert_num_queries(10):
        response = client.get(EXTENSIONS)
    page = response.content.decode()
    assert "3 requests wait for your decision" in page and page.count("理由不足。") == 3


def test_it_pages_the_decided_requests_newest_first_and_counts_them_all(district, monkeypatch):
    monkeypatch.setattr("web.views.supervision.EXTENSIONS_PAGE_SIZE", 2)
    for hour, title in ((9, "一号"), (10, "二号"), (11, "三号")):
        extension = extension_asked(district, yixin_case(district, filed=local(16, hour), title=title))
        with time_machine.travel(local(17, hour), tick=False):
            services.extension_decide(extension=extension, acting_user=district.sam, approve=True, note="")
    client = browser(district.sam)

    def decided(page: str) -> list[str]:
        html = client.get(EXTENSIONS, {"decided_page": page}).content.decode()
        section = html.split('id="decided-title"')[1].split('id="pauses-title"')[0]
        return [*re.findall(r"<br>(.号)</td>", section), *re.findall(r"Page \d+ of \d+", section)]

    assert decided("1") == ["三号", "二号", "Page 1 of 2"]
    assert decided("2") == ["一号", "Page 2 of 2"]
    assert decided("9") == ["一号", "Page 2 of 2"]


# --- rankings ----------------------------------------------------------------------------------------------


def closed_yixin_case(district, *, filed: datetime, satisfaction: int = 5, title: str = "道路修复") -> Case:
    case = yixin_case(district, filed=filed, title=title)
    with time_machine.travel(filed.replace(hour=15), tick=False):
        case = services.case_resolve(
            case=case, acting_user=district.carol, resolution_type=ResolutionType.SOLVED, reply="已修复。"
        )
        return services.case_close(case=case, acting_user=district.alice, satisfaction=satisfaction)


def test_it_ranks_units_with_links_from_every_figure_to_its_cases(district):
    closed = closed_yixin_case(district, filed=local(9))
    yixin_case(district, filed=local(2))  # overdue now

    response = browser(district.sam).get(RATES, {"period": "2026-11"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Rankings · 2026-11" in page
    industry = district.industry.pk
    satisfaction = (
        f"/supervision/rates/cases/?period=2026-11&amp;metric=satisfaction&amp;part=numerator&amp;unit={industry}"
    )
    assert satisfaction in page
    assert f"/supervision/rates/cases/?period=2026-11&amp;metric=overdue&amp;part=numerator&amp;unit={industry}" in page
    assert "100.0%" in page
    # Score: 0.2 × ½ signed for in time (the overdue case never was) + 0.3 × ½ on time (the overdue case
    # is due and unresolved) + 0.2 + 0.3 = 75.
    assert 'class="chart__bar"' in page and "<title>工业和信息化局: 75.00</title>" in page
    assert page.count('class="chart__point"') == 12
    assert "Satisfaction rate: (Very satisfied + Satisfied + Fairly satisfied)" in page
    assert '<small class="muted">Very satisfied + Satisfied + Fairly satisfied</small>' in page

    drill = browser(district.sam).get(satisfaction.replace("&amp;", "&")).content.decode()
    assert case_link(closed) in drill
    assert "1 counted row" in drill


def test_it_ranks_cadres_when_asked(district):
    closed_yixin_case(district, filed=local(9))
    page = browser(district.sam).get(RATES, {"period": "2026-Q4", "by": "cadre"}).content.decode()
    assert "陈静 · 工业和信息化局" in page
    assert f"cadre={district.carol.pk}" in page


def test_it_pages_a_long_ranking_keeping_the_period_and_the_table(district, monkeypatch):
    """A province ranks two thousand cadres: a page of them at a time, in tier and rank order, each with its
    figures, and the pages' links keep what was chosen."""
    monkeypatch.setattr(rankings, "RANKING_PAGE_SIZE", 1)
    closed_yixin_case(district, filed=local(9))  # carol's
    hongda_case(district, filed=local(10))  # dave's
    client = browser(district.sam)
    choice = {"period": "2026-Q4", "by": "cadre"}
    scope = rated_units_for_user(district.sam)
    whole = cadre_table(period=period_parse("2026-Q4"), now=NOW, scope=scope, recent=True).rows

    def page(number: int) -> str:
        return client.get(RATES, {**choice, "page": number}).content.decode()

    def cadres_on(html: str) -> list[str]:
        tables = html.split('id="tier-', 1)[1].split('id="weeks-title"')[0]
        return re.findall(r'<th scope="row" data-label="[^"]*">([^<]+)</th>', tables)[
            ::2
        ]  # its rates row, then its counts row

    pages = [page(number) for number in range(1, len(whole) + 1)]
    assert len(whole) >= 2 and all(f"Page {n} of {len(whole)}" in html for n, html in enumerate(pages, start=1))
    assert [cadre for html in pages for cadre in cadres_on(html)] == [
        f"{person(row.cadre)} · {row.unit.name}" for row in whole
    ]
    assert "?period=2026-Q4&amp;by=cadre&amp;page=2" in pages[0]
    assert f"Rows 2–2 of {len(whole)}, in the tables' order" in pages[1].replace("&#x27;", "'")


def test_it_draws_the_weekly_overdue_line_from_the_clocks(district):
    yixin_case(district, filed=local(2))  # late since Wed 11 Nov 17:30: counts at the end of that week and now
    page = browser(district.sam).get(RATES).content.decode()
    table = page[page.index('class="weeks-table"') :]
    mondays = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})">', table)
    counts = re.findall(r'<td class="number">(\d+)</td>', table[: table.index("</table>")])
    assert len(mondays) == len(counts) == 12
    assert list(zip(mondays, counts, strict=True))[-3:] == [
        ("2026-11-02", "0"),
        ("2026-11-09", "1"),
        ("2026-11-16", "1"),
    ]


def test_it_refuses_rankings_to_a_cadre_and_another_districts_unit_to_otto(district):
    assert browser(district.carol).get(RATES).status_code == 403
    response = browser(district.otto).get(
        "/supervision/rates/cases/", {"period": "2026-11", "metric": "response", "unit": district.industry.pk}
    )
    assert response.status_code == 403
    assert "This unit is outside your jurisdiction." in response.content.decode()


def test_it_explains_a_drill_down_link_that_names_no_figure(district):
    response = browser(district.sam).get(
        "/supervision/rates/cases/", {"period": "2026-13", "metric": "overdue", "part": "denominator"}
    )
    assert response.status_code == 400
    assert "Give the period as a month" in response.content.decode()
    count_denominator = browser(district.sam).get(
        "/supervision/rates/cases/", {"period": "2026-11", "metric": "overdue", "part": "denominator"}
    )
    assert count_denominator.status_code == 400
    assert "This figure is a count; it has no denominator." in count_denominator.content.decode()
    for impossible in ({"period": "9999-Q4"}, {"period": "2026-10", "cadre": "9" * 23}):
        response = browser(district.sam).get("/supervision/rates/cases/", {"metric": "response", **impossible})
        assert response.status_code == 400


def test_it_reads_the_rankings_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    closed_yixin_case(district, filed=local(9))
    client = browser(district.sam)
    client.get(RATES)
    with django_assert_num_queries(10):  # a grouped count per source: clocks, cases, rectifications, 包保
        client.get(RATES)
    for index in range(3):
        Unit.objects.create(name=f"第{index}街道", kind=UnitKind.STREET, parent=district.district)
        closed_yixin_case(district, filed=local(10 + index), title=f"第{index}号问题", satisfaction=2)
        hongda_case(district, filed=local(3 + index), title=f"宏达第{index}号问题")
    with django_assert_num_queries(10):
        response = client.get(RATES)
    assert "第2街道" in response.content.decode()


def test_it_reads_a_drill_down_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    closed_yixin_case(district, filed=local(9))
    client = browser(district.sam)
    url = f"/supervision/rates/cases/?period=2026-11&metric=resolution&part=denominator&unit={district.industry.pk}"
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for index in range(3):
        closed_yixin_case(district, filed=local(10 + index), title=f"第{index}号问题")
    with django_assert_num_queries(7):
        response = client.get(url)
    assert "4 counted rows" in response.content.decode()


# --- the leader's board ------------------------------------------------------------------------------------


def test_it_shows_leo_the_listed_cases_and_the_enterprises_he_serves(district):
    listed = urged(district, yixin_case(district, filed=local(9)), UrgingLevel.LISTED)
    only_urged = urged(district, hongda_case(district, filed=local(9)), UrgingLevel.URGED)

    page = browser(district.leo).get(BOARD).content.decode()

    listed_section = page[: page.index('id="served-title"')]
    assert case_link(listed) in listed_section and case_link(only_urged) not in listed_section
    assert "1 case listed for supervision (挂牌督办)" in page
    assert "Listed for supervision (挂牌督办)" in page
    assert "Urging level changed · 孙明" in page
    served = page[page.index('id="served-title"') :]
    assert "亿鑫化工有限公司" in served and "宏达机械制造有限公司" not in served
    assert case_link(listed) in served and "1 open case" in served


def test_it_keeps_the_board_to_leaders_and_supervisors_of_the_jurisdiction(district):
    listed = urged(district, yixin_case(district, filed=local(9)), UrgingLevel.LISTED)
    assert browser(district.carol).get(BOARD).status_code == 403
    otto = browser(district.otto).get(BOARD).content.decode()
    assert case_link(listed) not in otto and "No case is listed for supervision." in otto


def key_project(district, name: str, *, enterprise=None, members=()) -> KeyProject:
    project = KeyProject.objects.create(
        name=name, enterprise=enterprise or district.yixin, leader=district.leo, stage=ProjectStage.LANDED
    )
    for user in members:
        TaskForceMember.objects.create(
            project=project, user=user, level=TaskForceLevel.CITY_DEPARTMENT, unit=district.industry
        )
    return project


def test_it_shows_the_leader_the_key_projects_and_warns_of_a_small_task_force(district):
    yixin_case(district, filed=local(2))
    key_project(
        district,
        "亿鑫新材料产业园",
        members=[district.carol, district.hank, district.dave, district.dora, district.sam],
    )
    key_project(district, "宏达智能装备基地", enterprise=district.hongda, members=[district.carol])
    KeyProject.objects.create(name="别人的项目", enterprise=district.hongda, leader=district.otto)
    page = browser(district.leo).get(BOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>Listed cases · Huiyin</title>" in page
    assert page.count("亿鑫新材料产业园") == 1 and "宏达智能装备基地" in page and "别人的项目" not in page
    assert "The task force has 1 member; a key project needs at least 5." in page
    assert "The task force has 5 members" not in page
    assert "1 open case" in page
    carol_sees = browser(district.carol).get(BOARD)
    assert carol_sees.status_code == 403


def test_it_reads_the_leaders_board_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    urged(district, yixin_case(district, filed=local(9)), UrgingLevel.LISTED)
    key_project(district, "亿鑫新材料产业园", members=[district.carol])
    client = browser(district.leo)
    client.get(BOARD)
    with django_assert_num_queries(13):  # with the open common problems; the served enterprises are not counted
        client.get(BOARD)
    for index in range(3):
        enterprise = Enterprise.objects.create(
            name=f"第{index}号企业", credit_code=f"91110000MA0{index}XXXX1", township=district.township
        )
        service_assignment_change(
            enterprise=enterprise, unit=district.industry, cadre=district.carol, leader=district.leo
        )
        urged(district, yixin_case(district, filed=local(10 + index), title=f"第{index}号问题"), UrgingLevel.LISTED)
        key_project(district, f"第{index}号项目", enterprise=enterprise, members=[district.hank, district.dave])
    with django_assert_num_queries(13):  # with the open common problems
        response = client.get(BOARD)
    assert "4 cases listed for supervision" in response.content.decode()


def test_it_links_the_board_to_the_export_of_the_same_list(district):
    yixin_case(district, filed=local(2))
    hongda_case(district, filed=local(3))
    client = browser(district.sam)
    page = client.get(OVERDUE, {"unit": district.commerce.pk}).content.decode()
    export_url = re.search(r'href="(/api/v1/supervision/overdue/export/[^"]*)"', page).group(1)

    response = client.get(export_url.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_it_links_the_board_to_a_ledger_of_the_same_unit_prefilled(district):
    yixin_case(district, filed=local(2))
    client = browser(district.sam)
    page = client.get(OVERDUE, {"unit": district.commerce.pk}).content.decode()
    ledger_url = re.search(r'href="(/supervision/ledger/\?[^"]*)"', page).group(1).replace("&amp;", "&")
    assert ledger_url == f"/supervision/ledger/?overdue=on&unit={district.commerce.pk}"

    ledger = client.get(ledger_url).content.decode()

    assert re.search(rf'<option value="{district.commerce.pk}" selected>', ledger)
    assert re.search(r'name="overdue"[^>]*checked', ledger)


def test_it_offers_the_rankings_in_the_menu_only_to_those_who_may_read_them(district):
    assert 'href="/supervision/rates/"' in browser(district.sam).get(OVERDUE).content.decode()
    assert 'href="/supervision/rates/"' in browser(district.dora).get(RATES).content.decode()
    hank_page = browser(district.hank).get(EXTENSIONS).content.decode()
    assert 'href="/supervision/extensions/"' in hank_page and 'href="/supervision/rates/"' not in hank_page
