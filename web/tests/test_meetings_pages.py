"""The joint review meeting's pages through the Django test client: flagging from the case page, the meetings
list with the pool and the planning form, the meeting page with its decisions, refresh and closing.

Monday 23 November 2026, 09:00 Beijing time, is "now"; meetings are planned for that day, so decisions can be
recorded at once. Yixin's cases go to carol (Industry Bureau, headed by hank) when filed.
"""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model

from cases.models import Case, CaseState
from enterprises.models import Role, UnitMembership
from supervision.meetings import services as meeting_services
from supervision.meetings.models import AgendaItem, FlagState, ItemOutcome, Meeting, MeetingFlag, MeetingState
from workflow import services
from workflow.workdays import SHANGHAI

from .helpers import case_url, flashed, signed_in

User = get_user_model()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 11, 23)
MEETINGS = "/supervision/meetings/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def yixin_case(district, title: str = "原料供应不足") -> Case:
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title=title,
        description=f"{title}，需多部门协调。",
    )


def flagged(district, title: str = "原料供应不足") -> MeetingFlag:
    case = yixin_case(district, title)
    return meeting_services.flag_create(
        case=case, acting_user=district.carol, kind="several_departments", reason="需商务局与工信局共同协调。"
    )


def planned(district) -> Meeting:
    return meeting_services.meeting_create(
        acting_user=district.sam,
        held_on=TODAY,
        chair=district.leo,
        participating_units=[district.industry, district.commerce],
        title="十一月联审会办会",
    )


def meeting_url(meeting: Meeting, action: str = "") -> str:
    return f"{MEETINGS}{meeting.pk}/{action}"


def decision_data(item: AgendaItem, *, rows: list[dict] | None = None, decision: str = "由商务局协调原料供应。"):
    prefix = f"item-{item.pk}"
    data = {
        f"{prefix}-decision": decision,
        f"{prefix}-sub-TOTAL_FORMS": "3",
        f"{prefix}-sub-INITIAL_FORMS": "0",
        f"{prefix}-sub-MIN_NUM_FORMS": "0",
        f"{prefix}-sub-MAX_NUM_FORMS": "3",
    }
    for index, row in enumerate(rows or []):
        data.update({f"{prefix}-sub-{index}-{name}": value for name, value in row.items()})
    return data


def commerce_row(district, **changes) -> dict:
    return {
        "unit": district.commerce.pk,
        "assignee": district.dave.pk,
        "title": "协调原料供应",
        "description": "联系国有企业调剂原料。",
        "resolution_workdays": "5",
        **changes,
    }


# --- flagging from the case page -----------------------------------------------------------------------------


def test_it_lets_the_assignee_flag_a_case_from_its_page_and_shows_the_flag_to_officials_only(district):
    case = yixin_case(district)
    carol = signed_in(district.carol, "en")
    page = carol.get(case_url(case)).content.decode()
    assert f'action="/cases/{case.pk}/flag/"' in page

    response = carol.post(
        case_url(case, "flag"),
        {"flag-kind": "leader_decision", "flag-reason": "需区领导协调用地指标。", "flag-version": case.version},
    )

    assert response.status_code == 302
    assert "The case waits for the joint review meeting; the next agenda takes it." in flashed(response)
    flag = MeetingFlag.objects.get(case=case)
    assert (flag.kind, flag.state, flag.flagged_by) == ("leader_decision", FlagState.PENDING, district.carol)
    page = carol.get(case_url(case)).content.decode()
    assert "Waiting for the joint review meeting" in page and "需区领导协调用地指标。" in page
    assert f'action="/cases/{case.pk}/flag/"' not in page
    enterprise = signed_in(district.alice, "en").get(case_url(case)).content.decode()
    assert "需区领导协调用地指标。" not in enterprise and "Joint review meeting" not in enterprise


def test_it_shows_a_flag_without_a_reason_again_with_the_error_beside_the_field(district):
    case = yixin_case(district)
    response = signed_in(district.carol, "en").post(
        case_url(case, "flag"), {"flag-kind": "leader_decision", "flag-reason": "", "flag-version": case.version}
    )
    assert response.status_code == 400
    assert 'id="id_flag-reason_error">This field is required.' in response.content.decode()
    assert not MeetingFlag.objects.exists()


def test_it_refuses_a_second_flag_with_the_services_message(district):
    flag = flagged(district)
    case = Case.objects.get(pk=flag.case_id)
    response = signed_in(district.sam, "en").post(
        case_url(case, "flag"),
        {"flag-kind": "leader_decision", "flag-reason": "再次提请。", "flag-version": case.version},
    )
    assert response.status_code == 302
    assert "This case is already waiting for the joint review meeting." in flashed(response)
    assert MeetingFlag.objects.count() == 1


def test_it_offers_no_flag_form_to_the_enterprise_or_on_a_resolved_case(district):
    case = yixin_case(district)
    assert f'action="/cases/{case.pk}/flag/"' not in signed_in(district.alice).get(case_url(case)).content.decode()
    services.case_resolve(case=case, acting_user=district.carol, resolution_type="solved", reply="已解决。")
    assert f'action="/cases/{case.pk}/flag/"' not in signed_in(district.carol).get(case_url(case)).content.decode()


# --- the meetings list and planning ---------------------------------------------------------------------------


def test_it_lists_the_pool_and_lets_sam_plan_a_meeting_that_takes_it(district):
    flag = flagged(district)
    sam = signed_in(district.sam, "en")
    page = sam.get(MEETINGS).content.decode()
    assert "1 case waits for an agenda" in page and f'id="flag-{flag.pk}"' in page
    row = page[page.index(f'id="flag-{flag.pk}"') : page.index("</tr>", page.index(f'id="flag-{flag.pk}"'))]
    for shown in (
        flag.case.number,
        district.yixin.name,
        "工业和信息化局<br>陈静",
        "Needs several departments",
        "陈静<br>",
    ):
        assert shown in row
    assert 'name="chair"' in page and f'<option value="{district.leo.pk}">李强</option>' in page

    response = sam.post(
        MEETINGS,
        {
            "jurisdiction": district.district.pk,
            "held_on": "2026-11-23",
            "chair": district.leo.pk,
            "participating_units": [district.industry.pk, district.commerce.pk],
            "title": "十一月联审会办会",
            "location": "区政府三楼会议室",
        },
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting_url(meeting)
    assert "The meeting is planned; its agenda holds the cases waiting for it." in flashed(response)
    assert list(meeting.items.values_list("flag", flat=True)) == [flag.pk]
    listed = sam.get(MEETINGS).content.decode()
    assert "No case waits for an agenda." in listed
    assert f'href="{meeting_url(meeting)}">十一月联审会办会</a>' in listed and "1 item" in listed


def leader(district, username: str, name: str, unit, *, active: bool = True):
    user = User.objects.create_user(username=username, first_name=name, is_active=active)
    UnitMembership.objects.create(user=user, unit=unit, role=Role.LEADER)
    return user


def test_it_offers_a_bureaus_supervisor_the_leaders_over_and_within_the_bureau_and_its_units(district):
    """The district's leader and one of an office in the bureau may chair; the leaders beside it, of another
    district or no longer active may not, and the units are the bureau's own."""
    sun = User.objects.create_user(username="sun", first_name="孙局")
    UnitMembership.objects.create(user=sun, unit=district.industry, role=Role.SUPERVISOR)
    within = leader(district, "wei", "魏科", district.industry_office)
    beside = leader(district, "han", "韩商", district.commerce)
    elsewhere = leader(district, "lin", "林邻", district.other_district)
    gone = leader(district, "gu", "顾退", district.district, active=False)

    page = signed_in(sun, "en").get(MEETINGS).content.decode()

    assert f'<option value="{district.leo.pk}">李强</option>' in page
    assert f'<option value="{within.pk}">魏科</option>' in page
    assert all(f'<option value="{user.pk}">' not in page for user in (beside, elsewhere, gone))
    assert f'<input type="hidden" name="jurisdiction" value="{district.industry.pk}"' in page
    offered = [
        unit
        for unit in (district.industry, district.industry_office, district.commerce)
        if f'name="participating_units" value="{unit.pk}"' in page
    ]
    assert offered == [district.industry, district.industry_office]


def test_it_shows_a_plan_without_a_chair_again_and_a_past_date_refused_by_the_service(district):
    sam = signed_in(district.sam, "en")
    missing = sam.post(MEETINGS, {"jurisdiction": district.district.pk, "held_on": "2026-11-23", "chair": ""})
    assert missing.status_code == 400
    assert 'id="id_chair_error">This field is required.' in missing.content.decode()

    past = sam.post(MEETINGS, {"jurisdiction": district.district.pk, "held_on": "2026-11-20", "chair": district.leo.pk})
    assert past.status_code == 302 and past.url == MEETINGS
    assert "A meeting is planned for today or a later day." in flashed(past)
    assert not Meeting.objects.exists()


def test_it_shows_leo_the_meetings_without_the_planning_form_and_refuses_alice(district):
    meeting = planned(district)
    page = signed_in(district.leo, "en").get(MEETINGS).content.decode()
    assert f'href="{meeting_url(meeting)}"' in page and 'name="chair"' not in page
    planning = signed_in(district.leo, "en").post(MEETINGS, {"held_on": "2026-11-23", "chair": district.leo.pk})
    assert planning.status_code == 403 and "Only supervisors plan joint review meetings." in planning.content.decode()
    refused = signed_in(district.alice, "en").get(MEETINGS)
    assert refused.status_code == 403
    assert "Only officials take part in the joint review meeting." in refused.content.decode()
    assert signed_in(district.otto).get(meeting_url(meeting)).status_code == 404


# --- the meeting page ---------------------------------------------------------------------------------------


def test_it_records_a_decision_with_a_sub_case_and_shows_it_on_the_meeting_and_the_parent(district):
    flag = flagged(district)
    meeting = planned(district)
    item = meeting.items.get()
    sam = signed_in(district.sam, "en")
    page = sam.get(meeting_url(meeting)).content.decode()
    assert f'action="{meeting_url(meeting, f"items/{item.pk}/decide/")}"' in page
    assert f"/api/v1/supervision/meetings/{meeting.pk}/print/?part=minutes" in page
    assert f"/api/v1/supervision/meetings/{meeting.pk}/minutes.xlsx/" in page

    response = sam.post(
        meeting_url(meeting, f"items/{item.pk}/decide/"), decision_data(item, rows=[commerce_row(district)])
    )

    assert response.status_code == 302
    assert f"The decision on {flag.case.number} is recorded." in flashed(response)
    item.refresh_from_db()
    sub_case = item.sub_cases.get()
    assert item.outcome == ItemOutcome.DECIDED
    assert (sub_case.parent_id, sub_case.assignee, sub_case.state) == (flag.case_id, district.dave, CaseState.ASSIGNED)
    page = sam.get(meeting_url(meeting)).content.decode()
    assert "由商务局协调原料供应。" in page and f'href="/cases/{sub_case.pk}/"' in page
    assert f'action="{meeting_url(meeting, f"items/{item.pk}/decide/")}"' not in page
    parent = signed_in(district.alice, "en").get(case_url(flag.case)).content.decode()
    assert f'id="sub-case-{sub_case.pk}"' in parent and "协调原料供应" in parent
    child = signed_in(district.dave, "en").get(case_url(sub_case)).content.decode()
    # dave works the sub-case in another unit and may not see the parent: not even its number or title.
    assert "Sub-case of" in child and flag.case.number not in child and flag.case.title not in child
    assert "a case of the enterprise" in child
    supervisor = signed_in(district.sam, "en").get(case_url(sub_case)).content.decode()
    assert f'href="{case_url(flag.case)}"' in supervisor


def test_it_shows_an_incomplete_sub_case_row_again_with_its_errors_and_writes_nothing(district):
    flagged(district)
    meeting = planned(district)
    item = meeting.items.get()
    response = signed_in(district.sam, "en").post(
        meeting_url(meeting, f"items/{item.pk}/decide/"),
        decision_data(item, rows=[commerce_row(district, unit="", resolution_workdays="0")]),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_item-{item.pk}-sub-0-unit_error">This field is required.' in page
    assert "Ensure this value is greater than or equal to 1." in page
    item.refresh_from_db()
    assert item.outcome == ItemOutcome.OPEN and not Case.objects.filter(parent__isnull=False).exists()


def test_it_offers_the_units_taking_part_and_searches_the_jurisdictions_units_and_people(district):
    flagged(district)
    meeting = planned(district)
    item = meeting.items.get()
    sam = signed_in(district.sam, "en")
    page = sam.get(meeting_url(meeting)).content.decode()
    # Without JavaScript a row goes to a unit taking part, to its head; nobody's name is sent for the rows.
    unit_select = page.split(f'name="item-{item.pk}-sub-0-unit"')[1].split("</select>")[0]
    assignee_select = page.split(f'name="item-{item.pk}-sub-0-assignee"')[1].split("</select>")[0]
    assert f'<option value="{district.commerce.pk}">商务局</option>' in unit_select
    assert f'<option value="{district.industry.pk}">工业和信息化局</option>' in unit_select
    assert "新华街道" not in unit_select and assignee_select.count("<option") == 1
    assert "刘德" not in page and "黄海" not in page
    units_url = f"/lookups/meetings/{meeting.pk}/units/"
    people_url = f"/lookups/meetings/{meeting.pk}/assignees/"
    assert f'hx-get="{units_url}"' in page and f'hx-get="{people_url}"' in page

    streets = sam.get(units_url, {"q": "街道"}).content.decode()
    people = sam.get(people_url, {"q": "商务"}).content.decode()

    assert f'<option value="{district.township.pk}">新华街道</option>' in streets and "商务局" not in streets
    assert "邻区发改局" not in sam.get(units_url, {"q": "邻区"}).content.decode()
    assert f'<option value="{district.dave.pk}">刘德 · 商务局</option>' in people and "黄海" not in people
    assert '<option value="">The unit&#x27;s head</option>' in people


def test_it_lets_only_the_meetings_supervisors_search_its_units_and_people(district):
    flagged(district)
    meeting = planned(district)
    for lookup in ("units", "assignees"):
        url = f"/lookups/meetings/{meeting.pk}/{lookup}/"
        assert signed_in(district.leo, "en").get(url, {"q": "商务"}).status_code == 403
        assert signed_in(district.otto, "en").get(url, {"q": "商务"}).status_code == 404
        assert signed_in(district.alice, "en").get(url, {"q": "商务"}).status_code == 404


def test_it_refuses_a_sub_case_for_a_unit_or_person_outside_the_jurisdiction_and_writes_nothing(district):
    flagged(district)
    meeting = planned(district)
    item = meeting.items.get()
    olga = User.objects.create_user("olga", first_name="欧加")
    UnitMembership.objects.create(user=olga, unit=district.other_bureau, role=Role.CADRE)
    district.carla.is_active = False
    district.carla.save()
    decide = meeting_url(meeting, f"items/{item.pk}/decide/")
    sam = signed_in(district.sam, "en")
    for outsider in (olga, district.leo, district.alice, district.carla):
        row = commerce_row(district, unit=district.township.pk, assignee=outsider.pk)
        response = sam.post(decide, decision_data(item, rows=[row]))
        assert response.status_code == 400
        page = response.content.decode()
        assert "Choose a cadre or the head of a unit within the meeting&#x27;s jurisdiction." in page
        # The row is shown again with the unit it was sent, which the units taking part do not hold.
        assert f'<option value="{district.township.pk}" selected>新华街道</option>' in page
    outside_unit = sam.post(decide, decision_data(item, rows=[commerce_row(district, unit=district.other_bureau.pk)]))
    assert "A sub-case goes to a unit within the meeting&#x27;s jurisdiction." in outside_unit.content.decode()
    in_chinese = signed_in(district.sam).post(
        decide, decision_data(item, rows=[commerce_row(district, assignee=olga.pk)])
    )
    assert "请选择本次会议辖区内单位的干部或负责人。" in in_chinese.content.decode()
    item.refresh_from_db()
    assert item.outcome == ItemOutcome.OPEN and not Case.objects.filter(parent__isnull=False).exists()


def test_it_sends_a_meeting_page_whose_size_does_not_grow_with_the_people_one_may_name(district):
    flagged(district)
    flagged(district, "园区用电增容")
    meeting = planned(district)
    sam = signed_in(district.sam, "en")
    before = sam.get(meeting_url(meeting)).content.decode()
    for index in range(20):
        cadre = User.objects.create_user(f"cadre{index}", first_name=f"干部{index:02d}")
        UnitMembership.objects.create(user=cadre, unit=district.commerce, role=Role.CADRE)

    after = sam.get(meeting_url(meeting)).content.decode()

    assert after.count("<option") == before.count("<option") and len(after) == len(before)
    assert "干部" not in after


def test_it_refreshes_the_agenda_with_the_cases_flagged_since(district):
    flagged(district)
    meeting = planned(district)
    later = flagged(district, "园区用电增容")
    response = signed_in(district.sam, "en").post(meeting_url(meeting, "refresh/"))
    assert response.status_code == 302
    assert flashed(response) == ["The agenda is up to date.", "1 case added."]
    assert meeting.items.filter(flag=later, position=2).exists()


def test_it_closes_the_meeting_only_when_confirmed_and_then_offers_nothing_more(district):
    flagged(district)
    meeting = planned(district)
    sam = signed_in(district.sam, "en")
    unconfirmed = sam.post(meeting_url(meeting, "close/"), {"notes": ""})
    assert unconfirmed.status_code == 400
    assert "Confirm that the meeting was held." in unconfirmed.content.decode()

    response = sam.post(meeting_url(meeting, "close/"), {"notes": "会议听取汇报。", "confirm": "on"})

    assert "The meeting is closed as held." in flashed(response)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD and meeting.items.get().outcome == ItemOutcome.DEFERRED
    page = sam.get(meeting_url(meeting)).content.decode()
    assert "Close as held" not in page and "Refresh the agenda" not in page and "Record the decision" not in page
    again = sam.post(meeting_url(meeting, "refresh/"))
    assert "This meeting was already held; its minutes are final." in flashed(again)


def test_it_shows_the_leader_the_agenda_without_the_forms_and_refuses_his_decision(district):
    flagged(district)
    meeting = planned(district)
    item = meeting.items.get()
    leo = signed_in(district.leo, "en")
    page = leo.get(meeting_url(meeting)).content.decode()
    assert "需商务局与工信局共同协调。" in page and "Record the decision" not in page
    response = leo.post(meeting_url(meeting, f"items/{item.pk}/decide/"), decision_data(item))
    assert "Only the supervision office of the meeting's jurisdiction can do this." in flashed(response)
    item.refresh_from_db()
    assert item.outcome == ItemOutcome.OPEN


# --- query counts --------------------------------------------------------------------------------------------


def test_it_reads_the_meetings_list_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    flagged(district)
    planned(district)
    flagged(district, "待议一")
    sam = signed_in(district.sam)
    sam.get(MEETINGS)
    with django_assert_num_queries(9):
        sam.get(MEETINGS)
    for index in range(3):
        flagged(district, f"议题{index}")
        planned(district)
        flagged(district, f"待议{index}")
    with django_assert_num_queries(9):
        response = sam.get(MEETINGS)
    assert response.content.decode().count('<tr id="meeting-') == 4


def test_it_counts_a_pool_longer_than_a_page_within_the_pages_query(district, django_assert_num_queries):
    flagged(district)
    planned(district)
    for index in range(21):
        flagged(district, f"待议{index}")
    sam = signed_in(district.sam, "en")
    sam.get(MEETINGS)
    with django_assert_num_queries(9):
        page = sam.get(MEETINGS).content.decode()
    assert "21 cases wait for an agenda" in page and page.count('<tr id="flag-') == 20
    assert sam.get(f"{MEETINGS}?flags_page=2").content.decode().count('<tr id="flag-') == 1


def test_it_reads_a_meeting_page_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    def decided_and_open(title: str) -> None:
        flagged(district, f"{title}已议")
        flagged(district, f"{title}待议")
        meeting_services.meeting_agenda_refresh(meeting=meeting, acting_user=district.sam)
        item = meeting.items.filter(outcome=ItemOutcome.OPEN).order_by("position").first()
        meeting_services.meeting_item_decide(
            item=item,
            acting_user=district.sam,
            decision="议定。",
            sub_cases=[
                {**commerce_row(district, resolution_workdays=5), "unit": district.commerce, "assignee": district.dave}
            ],
        )

    meeting = planned(district)
    decided_and_open("一")
    sam = signed_in(district.sam)
    sam.get(meeting_url(meeting))
    with django_assert_num_queries(10):
        sam.get(meeting_url(meeting))
    decided_and_open("二")
    decided_and_open("三")
    with django_assert_num_queries(10):
        response = sam.get(meeting_url(meeting))
    assert response.content.decode().count('class="card agenda__item') == 6
