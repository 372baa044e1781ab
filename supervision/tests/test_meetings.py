"""The joint review meeting (大事集中会办), through the API.

A case is flagged by its assignee, unit head or supervisor; sam plans a meeting
of the district chaired by leo; the agenda takes the pending flags; the meeting
decides items and assigns sub-cases to units; undecided items roll over; the
parent case waits for its sub-cases. Flags are filed on Monday 23 November
2026; the meeting is on Wednesday 25 November, the next one on 2 December.
"""

from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm import has_transition_perm
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState, EventAction
from core.errors import InvalidInput
from core.tests.logs import logged
from enterprises.access import roles_for_user
from enterprises.models import Role, UnitMembership
from notifications.models import Notification
from supervision.meetings import services as meeting_services
from supervision.meetings.models import AgendaItem, FlagState, ItemOutcome, Meeting, MeetingFlag
from workflow import services
from workflow.workdays import SHANGHAI

pytestmark = pytest.mark.django_db

FLAGS = "/api/v1/supervision/flags/"
MEETINGS = "/api/v1/supervision/meetings/"
CASES = "/api/v1/cases/"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
MEETING_DAY = date(2026, 11, 25)
MEETING_DAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
NEXT_MEETING_DAY = date(2026, 12, 2)
DECISION = "由商务局协调原料供应，工信局督促园区落实用电增容。"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        yield traveller


def yixin_case(district, title: str = "原料供应不足") -> Case:
    """Filed by alice for Yixin: assigned at once to carol of the Industry Bureau, headed by hank."""
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title=title,
        description=f"{title}，需多部门协调。",
    )


def flag(district, case: Case, user=None, *, kind="several_departments", reason="需商务局与工信局共同协调。"):
    return district.client(user or district.carol).post(
        FLAGS, {"case": case.pk, "kind": kind, "reason": reason}, format="json"
    )


def flagged(district, case: Case, user=None) -> dict:
    response = flag(district, case, user)
    assert response.status_code == 201, response.data
    return response.data


def plan(district, held_on: date = MEETING_DAY, user=None, **extra):
    body = {
        "held_on": held_on.isoformat(),
        "chair": district.leo.pk,
        "participating_units": [district.industry.pk, district.commerce.pk],
        "title": f"{held_on:%Y年%m月%d日}联审会办会",
        **extra,
    }
    return district.client(user or district.sam).post(MEETINGS, body, format="json")


def planned(district, held_on: date = MEETING_DAY) -> dict:
    response = plan(district, held_on)
    assert response.status_code == 201, response.data
    return response.data


def meeting_url(meeting: dict, action: str | None = None) -> str:
    return f"{MEETINGS}{meeting['id']}/{action}/" if action else f"{MEETINGS}{meeting['id']}/"


def decide(district, meeting: dict, item_id: int, *, sub_cases=(), user=None, **extra):
    body = {"item": item_id, "decision": DECISION, "sub_cases": list(sub_cases), **extra}
    return district.client(user or district.sam).post(meeting_url(meeting, "decide"), body, format="json")


def close(district, meeting: dict, user=None):
    return district.client(user or district.sam).post(meeting_url(meeting, "close"), {"notes": "会议纪要已印发。"})


def agenda(district, meeting: dict, user=None) -> list[dict]:
    response = district.client(user or district.sam).get(meeting_url(meeting, "agenda"))
    assert response.status_code == 200, response.data
    return response.data


def sub_case_bodies(district) -> list[dict]:
    """Dave of Commerce in 5 working days; the Industry Bureau, without a name (so hank), by Friday 4 December."""
    return [
        {
            "unit": district.commerce.pk,
            "assignee": district.dave.pk,
            "title": "协调国有企业调剂原料",
            "description": "联系市属化工企业调剂原料。",
            "resolution_workdays": 5,
        },
        {
            "unit": district.industry.pk,
            "title": "园区专用线缆增容",
            "description": "督促供电公司完成增容。",
            "resolution_due_date": "2026-12-04",
        },
    ]


def decided_with_sub_cases(district, frozen) -> tuple[Case, list[Case]]:
    """Carol's case flagged Monday, decided on the meeting day with the two sub-cases above."""
    case = yixin_case(district)
    flagged(district, case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    response = decide(district, meeting, agenda(district, meeting)[0]["id"], sub_cases=sub_case_bodies(district))
    assert response.status_code == 200, response.data
    sub_cases = list(Case.objects.filter(parent=case).order_by("number"))
    return Case.objects.get(pk=case.pk), sub_cases


def events(case: Case, action: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk, action=action).order_by("id"))


# Flagging


@pytest.mark.parametrize("name", ["carol", "hank", "sam"])
def test_it_lets_the_assignee_the_unit_head_and_the_supervisor_flag_a_case(district, name):
    case = yixin_case(district)

    data = flagged(district, case, get_user_model().objects.get(username=name))

    assert (data["case"]["number"], data["state"], data["kind"]) == (case.number, "pending", "several_departments")
    assert data["flagged_by"]["username"] == name
    [event] = events(case, EventAction.MEETING_FLAG)
    assert event.is_internal and event.note == "需商务局与工信局共同协调。"


def test_it_refuses_the_enterprise_and_a_dispatcher_who_is_not_involved(district):
    case = yixin_case(district)

    assert flag(district, case, district.alice).status_code == 403
    assert flag(district, case, district.dora).data["code"] == "not_allowed_to_flag"
    assert not MeetingFlag.objects.exists()


@pytest.mark.parametrize("name", ["otto", "dave"])
def test_it_answers_404_for_a_case_the_user_does_not_see(district, name):
    case = yixin_case(district)

    response = flag(district, case, get_user_model().objects.get(username=name))

    assert response.status_code == 404
    assert not MeetingFlag.objects.exists()


def test_it_refuses_a_second_pending_flag_with_409(district):
    case = yixin_case(district)
    flagged(district, case)

    response = flag(district, case, district.sam)

    assert (response.status_code, response.data["code"]) == (409, "already_flagged")
    assert MeetingFlag.objects.filter(case=case).count() == 1


def test_it_requires_a_reason_and_a_kind(district):
    case = yixin_case(district)

    assert flag(district, case, reason=" ").status_code == 400
    assert flag(district, case, kind="urgent").status_code == 400
    assert not MeetingFlag.objects.exists()


def test_it_refuses_to_flag_a_resolved_case(district):
    case = services.case_resolve(
        case=yixin_case(district), acting_user=district.carol, resolution_type="solved", reply="已解决。"
    )

    response = flag(district, case)

    assert (response.status_code, response.data["code"]) == (409, "invalid_state")


def test_it_keeps_flags_out_of_the_enterprises_timeline(district):
    case = yixin_case(district)
    flagged(district, case)

    alice_sees = [event["action"] for event in district.client(district.alice).get(f"{CASES}{case.pk}/").data["events"]]
    carol_sees = [event["action"] for event in district.client(district.carol).get(f"{CASES}{case.pk}/").data["events"]]

    assert "meeting-flag" not in alice_sees
    assert "meeting-flag" in carol_sees
    assert district.client(district.alice).get(FLAGS).status_code == 403


def test_it_lets_a_supervisor_withdraw_a_flag_with_a_note_and_takes_it_off_the_agenda(district):
    case = yixin_case(district)
    data = flagged(district, case)
    meeting = planned(district)
    assert len(agenda(district, meeting)) == 1
    url = f"{FLAGS}{data['id']}/withdraw/"

    refused = district.client(district.carol).post(url, {"note": "已自行协调。"})
    no_note = district.client(district.sam).post(url, {"note": ""})
    withdrawn = district.client(district.sam).post(url, {"note": "已自行协调。"})

    assert (refused.status_code, no_note.status_code, withdrawn.status_code) == (403, 400, 200)
    assert (withdrawn.data["state"], withdrawn.data["withdrawal_note"]) == ("withdrawn", "已自行协调。")
    assert agenda(district, meeting) == []
    assert events(case, EventAction.MEETING_UNFLAG)[0].is_internal
    assert logged(MeetingFlag.objects.get(pk=data["id"])) == [
        ("withdraw", "pending", "withdrawn", "sam", "已自行协调。")
    ]
    assert flag(district, case).status_code == 201, "a withdrawn flag leaves room for a new one"


# Meetings and their agenda


def test_it_builds_the_agenda_from_the_pending_flags_in_the_order_they_came(district, frozen):
    first, second, withdrawn = (yixin_case(district, title) for title in ("原料短缺", "线缆增容", "地上物迁移"))
    flagged(district, first)
    frozen.shift(60)
    flagged(district, second, district.sam)
    gone = flagged(district, withdrawn)
    district.client(district.sam).post(f"{FLAGS}{gone['id']}/withdraw/", {"note": "不再需要。"})

    meeting = planned(district)

    numbers = [(item["position"], item["case"]["number"]) for item in meeting["items"]]
    assert numbers == [(1, first.number), (2, second.number)]
    assert [item["outcome"] for item in meeting["items"]] == ["open", "open"]
    assert meeting["chair"]["username"] == "leo"
    assert {unit["name"] for unit in meeting["participating_units"]} == {"工业和信息化局", "商务局"}
    assert events(first, EventAction.MEETING_AGENDA)[0].is_internal


def test_it_leaves_flags_already_on_an_open_agenda_to_that_meeting(district):
    case = yixin_case(district)
    flagged(district, case)
    planned(district)

    later = planned(district, NEXT_MEETING_DAY)

    assert later["items"] == []


def test_it_appends_flags_raised_after_the_agenda_was_built(district):
    first = yixin_case(district, "原料短缺")
    flagged(district, first)
    meeting = planned(district)
    second = yixin_case(district, "线缆增容")
    flagged(district, second)

    response = district.client(district.sam).post(meeting_url(meeting, "agenda/refresh"))

    assert response.status_code == 200, response.data
    assert [item["case"]["number"] for item in response.data["items"]] == [first.number, second.number]


def test_it_gives_another_districts_meeting_none_of_this_districts_flags(district):
    flagged(district, yixin_case(district))
    lin = get_user_model().objects.create_user(username="lin", first_name="林")
    UnitMembership.objects.create(user=lin, unit=district.other_district, role=Role.LEADER)

    response = district.client(district.otto).post(
        MEETINGS, {"held_on": MEETING_DAY.isoformat(), "chair": lin.pk}, format="json"
    )

    assert response.status_code == 201, response.data
    assert response.data["items"] == []
    assert response.data["jurisdiction"]["name"] == "邻区人民政府"
    assert district.client(district.otto).get(meeting_url(planned(district))).status_code == 404


def test_it_lists_every_meeting_to_an_overseer_of_every_unit_and_each_districts_own_to_its_supervisor(district):
    lin = get_user_model().objects.create_user(username="lin", first_name="林")
    UnitMembership.objects.create(user=lin, unit=district.other_district, role=Role.LEADER)
    ours = planned(district)
    theirs = district.client(district.otto).post(MEETINGS, {"held_on": MEETING_DAY.isoformat(), "chair": lin.pk})
    everywhere = get_user_model().objects.create_user(username="wu")
    for root in (district.district, district.other_district):
        UnitMembership.objects.create(user=everywhere, unit=root, role=Role.SUPERVISOR)
    assert roles_for_user(everywhere).oversees_every_unit

    def listed(user) -> set[int]:
        return {meeting["id"] for meeting in district.client(user).get(MEETINGS).data["results"]}

    assert listed(everywhere) == {ours["id"], theirs.data["id"]}
    assert listed(district.sam) == {ours["id"]}
    assert listed(district.otto) == {theirs.data["id"]}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"held_on": "2026-11-20"}, "date_past"),
        ({"chair": "carol"}, "chair_not_leader"),
        ({"participating_units": "other_bureau"}, "unit_outside"),
    ],
)
def test_it_refuses_a_meeting_in_the_past_a_chair_who_is_no_leader_or_a_unit_outside(district, change, code):
    body = dict(change)
    if body.get("chair") == "carol":
        body["chair"] = district.carol.pk
    if body.get("participating_units") == "other_bureau":
        body["participating_units"] = [district.other_bureau.pk]
    held_on = date.fromisoformat(body.pop("held_on", MEETING_DAY.isoformat()))

    response = plan(district, held_on, **body)

    assert (response.status_code, response.data["code"]) == (400, code)


def test_it_lets_a_leader_over_or_within_the_jurisdiction_chair_its_meeting_and_no_other(district):
    def leader(username: str, unit):
        user = get_user_model().objects.create_user(username=username, first_name=username)
        UnitMembership.objects.create(user=user, unit=unit, role=Role.LEADER)
        return user

    sun = get_user_model().objects.create_user(username="sun")
    UnitMembership.objects.create(user=sun, unit=district.industry, role=Role.SUPERVISOR)
    within, beside = leader("wei", district.industry_office), leader("han", district.commerce)

    def planned_with(chair) -> str:
        response = plan(district, user=sun, chair=chair.pk, participating_units=[district.industry.pk])
        return response.data["code"] if response.status_code == 400 else response.status_code

    assert planned_with(beside) == "chair_not_leader"
    assert planned_with(within) == 201
    assert planned_with(district.leo) == 201


def test_it_lets_only_supervisors_plan_a_meeting(district):
    assert plan(district, user=district.hank).status_code == 403
    assert plan(district, user=district.alice).status_code == 403


def test_it_files_no_sub_case_when_one_of_a_decisions_sub_cases_is_too_long(district, frozen):
    case = yixin_case(district)
    flagged(district, case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    item = AgendaItem.objects.select_related("meeting").get(meeting_id=meeting["id"])
    first, second = sub_case_bodies(district)
    sub_cases = [
        {**first, "unit": district.commerce, "assignee": district.dave},
        {**second, "unit": district.industry, "description": "长" * 10_001, "resolution_due_date": date(2026, 12, 4)},
    ]

    with pytest.raises(InvalidInput) as refused:
        meeting_services.meeting_item_decide(
            item=item, acting_user=district.sam, decision=DECISION, sub_cases=sub_cases
        )

    assert refused.value.code == "too_long"
    assert "10000" in refused.value.fields["sub_cases"][1]["description"][0]
    assert not Case.objects.filter(parent=case).exists()
    assert AgendaItem.objects.get(pk=item.pk).outcome == ItemOutcome.OPEN
    assert MeetingFlag.objects.get(case=case).state == FlagState.PENDING
    assert not events(case, EventAction.MEETING_DECISION)


def test_it_refuses_minutes_longer_than_ten_thousand_characters(district, frozen):
    case = yixin_case(district)
    flagged(district, case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)

    response = decide(district, meeting, agenda(district, meeting)[0]["id"], decision="长" * 10_001)

    assert response.status_code == 400
    assert response.data["fields"]["decision"]
    assert agenda(district, meeting)[0]["outcome"] == ItemOutcome.OPEN


def test_it_records_decisions_only_from_the_meeting_day_on(district):
    flagged(district, yixin_case(district))
    meeting = planned(district)

    response = decide(district, meeting, meeting["items"][0]["id"])

    assert (response.status_code, response.data["code"]) == (409, "meeting_not_yet_held")


# Roll-over


def test_it_rolls_undecided_items_over_to_the_next_planned_meeting(district, frozen):
    decided_case, undecided_case = yixin_case(district, "原料短缺"), yixin_case(district, "线缆增容")
    flagged(district, decided_case)
    flagged(district, undecided_case)
    meeting = planned(district)
    following = planned(district, NEXT_MEETING_DAY)
    frozen.move_to(MEETING_DAY_10)
    assert decide(district, meeting, meeting["items"][0]["id"]).status_code == 200

    response = close(district, meeting)

    assert response.status_code == 200, response.data
    assert response.data["meeting"]["state"] == "held"
    assert (response.data["rolled_over_to"]["id"], response.data["rolled_over_items"]) == (following["id"], 1)
    assert [item["outcome"] for item in response.data["meeting"]["items"]] == ["decided", "deferred"]
    [rolled] = agenda(district, following)
    assert rolled["case"]["number"] == undecided_case.number
    assert (rolled["deferred_from"]["id"], rolled["times_deferred"], rolled["outcome"]) == (meeting["id"], 1, "open")
    assert events(undecided_case, EventAction.MEETING_DEFERRED)[0].data["meeting"] == following["id"]
    assert MeetingFlag.objects.get(case=decided_case).state == FlagState.DECIDED
    held = Meeting.objects.get(pk=meeting["id"])
    assert logged(held) == [("close", "planned", "held", "sam", "会议纪要已印发。")]
    assert [logged(item) for item in held.items.order_by("position")] == [
        [("decide", "open", "decided", "sam", DECISION)],
        [("defer", "open", "deferred", "sam", "")],
    ]
    assert logged(MeetingFlag.objects.get(case=decided_case)) == [("decide", "pending", "decided", "sam", DECISION)]
    assert logged(MeetingFlag.objects.get(case=undecided_case)) == []


def test_it_returns_undecided_items_to_the_pool_and_the_next_meeting_takes_them_first(district, frozen):
    deferred_case = yixin_case(district, "线缆增容")
    flagged(district, deferred_case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    closed = close(district, meeting)
    assert (closed.data["rolled_over_to"], closed.data["rolled_over_items"]) == (None, 0)
    fresh_case = yixin_case(district, "用工短缺")
    flagged(district, fresh_case)

    following = planned(district, NEXT_MEETING_DAY)

    assert [item["case"]["number"] for item in following["items"]] == [deferred_case.number, fresh_case.number]
    assert [item["times_deferred"] for item in following["items"]] == [1, 0]
    assert following["items"][0]["deferred_from"]["id"] == meeting["id"]


def test_it_refuses_to_decide_or_close_a_held_meeting(district, frozen):
    flagged(district, yixin_case(district))
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    close(district, meeting)

    assert close(district, meeting).data["code"] == "meeting_held"
    assert decide(district, meeting, meeting["items"][0]["id"]).status_code == 409
    assert [transition for transition, *_rest in logged(Meeting.objects.get(pk=meeting["id"]))] == ["close"]


def test_it_lets_only_the_supervision_office_of_the_jurisdiction_decide_and_close(district, frozen):
    flagged(district, yixin_case(district))
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    row = Meeting.objects.get(pk=meeting["id"])
    item = row.items.get()

    assert [has_transition_perm(row.close, user) for user in (district.sam, district.otto, district.hank)] == [
        True,
        False,
        False,
    ]
    assert [has_transition_perm(item.decide, user) for user in (district.sam, district.leo)] == [True, False]
    assert decide(district, meeting, item.pk, user=district.hank).status_code == 403
    assert close(district, meeting, user=district.hank).status_code == 403
    assert (logged(row), logged(item)) == ([], [])


# Decisions and sub-cases


def test_it_files_the_sub_cases_assigned_to_their_units_with_deadlines(district, frozen):
    parent, (commerce, industry) = decided_with_sub_cases(district, frozen)

    for sub_case in (commerce, industry):
        assert (sub_case.state, sub_case.enterprise_id, sub_case.category_id) == (
            CaseState.ASSIGNED,
            parent.enterprise_id,
            parent.category_id,
        )
    assert (commerce.assignee, commerce.responsible_unit) == (district.dave, district.commerce)
    assert (industry.assignee, industry.responsible_unit) == (district.hank, district.industry)
    # Five working days from Wednesday 25 November: Wednesday 2 December at the end of the working day.
    assert commerce.resolution_due_at == datetime(2026, 12, 2, 17, 30, tzinfo=SHANGHAI)
    assert industry.resolution_due_at == datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI)
    assert commerce.response_due_at is not None
    assert Notification.objects.filter(kind="case_assigned", about=f"case:{commerce.pk}", recipient=district.dave)
    assert Notification.objects.filter(kind="case_assigned", about=f"case:{industry.pk}", recipient=district.hank)
    item = AgendaItem.objects.get(flag__case=parent)
    assert (item.outcome, item.decision) == (ItemOutcome.DECIDED, DECISION)
    assert events(parent, EventAction.MEETING_DECISION)[0].data["sub_cases"] == [commerce.number, industry.number]


def test_it_writes_nothing_when_one_sub_case_is_invalid(district, frozen):
    case = yixin_case(district)
    flagged(district, case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    bodies = sub_case_bodies(district)
    bodies[1]["assignee"] = district.dave.pk  # dave works in Commerce, not in the Industry Bureau

    response = decide(district, meeting, meeting["items"][0]["id"], sub_cases=bodies)

    assert (response.status_code, response.data["code"]) == (400, "assignee_not_in_unit")
    assert "sub_cases" in response.data["fields"]
    assert not Case.objects.filter(parent=case).exists()
    assert AgendaItem.objects.get(flag__case=case).outcome == ItemOutcome.OPEN
    assert not events(case, EventAction.MEETING_DECISION)


def test_it_refuses_a_sub_case_for_a_unit_of_another_district(district, frozen):
    case = yixin_case(district)
    flagged(district, case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    bodies = sub_case_bodies(district)
    bodies[0]["unit"], bodies[0]["assignee"] = district.other_bureau.pk, None

    response = decide(district, meeting, meeting["items"][0]["id"], sub_cases=bodies)

    assert (response.status_code, response.data["code"]) == (400, "unit_outside")
    assert not Case.objects.filter(parent=case).exists()


def test_it_refuses_to_resolve_the_parent_while_a_sub_case_is_open_and_allows_it_after(district, frozen):
    parent, (commerce, industry) = decided_with_sub_cases(district, frozen)
    carol = district.client(district.carol)
    body = {"resolution_type": "solved", "reply": "经联审会办已协调解决。"}

    two_open = carol.post(f"{CASES}{parent.pk}/resolve/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    services.case_resolve(case=commerce, acting_user=district.dave, resolution_type="solved", reply="已调剂原料。")
    one_open = carol.post(f"{CASES}{parent.pk}/resolve/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    services.case_resolve(case=industry, acting_user=district.hank, resolution_type="solved", reply="已完成增容。")
    resolved = carol.post(f"{CASES}{parent.pk}/resolve/", body, format="json")

    assert (two_open.status_code, two_open.data["code"]) == (409, "sub_cases_open")
    assert two_open.data["message"].startswith("2 sub-cases of the joint review meeting are still open")
    assert one_open.data["message"].startswith("1 sub-case of the joint review meeting is still open")
    assert (resolved.status_code, resolved.data["state"]) == (200, "resolved")


def test_it_refuses_to_reopen_a_sub_case_once_its_parent_is_resolved(district, frozen):
    parent, (commerce, industry) = decided_with_sub_cases(district, frozen)
    commerce = services.case_resolve(
        case=commerce, acting_user=district.dave, resolution_type="solved", reply="已调剂。"
    )
    services.case_resolve(case=industry, acting_user=district.hank, resolution_type="solved", reply="已增容。")
    services.case_resolve(
        case=Case.objects.get(pk=parent.pk), acting_user=district.carol, resolution_type="solved", reply="已解决。"
    )

    response = district.client(district.alice).post(
        f"{CASES}{commerce.pk}/reopen/", {"reason": "原料仍未到货。"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (response.status_code, response.data["code"]) == (409, "parent_resolved")
    assert Case.objects.get(pk=commerce.pk).state == "resolved"


def test_it_tells_the_parents_assignee_and_unit_head_when_the_last_sub_case_is_answered(district, frozen):
    parent, (commerce, industry) = decided_with_sub_cases(district, frozen)

    services.case_resolve(case=commerce, acting_user=district.dave, resolution_type="solved", reply="已调剂原料。")
    after_first = Notification.objects.filter(kind="sub_cases_done").count()
    services.case_resolve(case=industry, acting_user=district.hank, resolution_type="solved", reply="已完成增容。")

    assert after_first == 0
    recipients = Notification.objects.filter(kind="sub_cases_done", about=f"case:{parent.pk}")
    assert sorted(row.recipient.username for row in recipients) == ["carol", "hank"]


def test_it_shows_the_enterprise_the_sub_cases_and_the_meeting_but_not_internal_minutes(district, frozen):
    parent, sub_cases = decided_with_sub_cases(district, frozen)
    alice = district.client(district.alice)

    timeline = {event["action"]: event for event in alice.get(f"{CASES}{parent.pk}/").data["events"]}
    listed = alice.get(CASES, {"parent": parent.pk}).data["results"]
    sub_case = alice.get(f"{CASES}{sub_cases[0].pk}/").data

    assert "meeting-decision" not in timeline and "meeting-agenda" not in timeline
    assert timeline["joint-review"]["note"] == ""
    assert timeline["joint-review"]["data"]["sub_cases"] == [case.number for case in sub_cases]
    assert sorted(row["number"] for row in listed) == [case.number for case in sub_cases]
    assert sub_case["parent"]["number"] == parent.number
    assert "withdraw" not in sub_case["available_actions"]
    assert DECISION not in str(alice.get(f"{CASES}{parent.pk}/").data)


def test_it_shows_the_enterprise_minutes_the_meeting_made_public(district, frozen):
    case = yixin_case(district)
    flagged(district, case)
    meeting = planned(district)
    frozen.move_to(MEETING_DAY_10)
    decide(district, meeting, meeting["items"][0]["id"], decision_public=True)

    timeline = district.client(district.alice).get(f"{CASES}{case.pk}/").data["events"]

    assert [event["note"] for event in timeline if event["action"] == "joint-review"] == [DECISION]


# Who sees meetings; print and export


def test_it_shows_a_meeting_to_the_chair_and_participating_units_but_not_to_others(district):
    flagged(district, yixin_case(district))
    meeting = planned(district)

    def status(user) -> int:
        return district.client(user).get(meeting_url(meeting)).status_code

    assert [status(user) for user in (district.leo, district.hank, district.dave)] == [200, 200, 200]
    assert status(district.dora) == 404
    assert status(district.alice) == 403
    assert district.client(district.dave).get(meeting_url(meeting)).data["items"] == [], "dave sees no Yixin case"


def test_it_exports_agenda_and_minutes_with_chinese_headers(district, frozen):
    parent, sub_cases = decided_with_sub_cases(district, frozen)
    meeting_id = AgendaItem.objects.get(flag__case=parent).meeting_id

    response = district.client(district.sam).get(f"{MEETINGS}{meeting_id}/minutes.xlsx/")

    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames == ["议程与纪要", "子案件", "会议信息"]
    rows = list(workbook["议程与纪要"].iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "案件编号", "标题", "企业")
    assert rows[1][1] == parent.number and rows[1][12] == DECISION
    sub_rows = list(workbook["子案件"].iter_rows(values_only=True))
    assert [row[1] for row in sub_rows[1:]] == [case.number for case in sub_cases]
    assert sub_rows[1][5] == "2026-12-02 17:30"


def test_it_prints_the_agenda_and_the_minutes(district, frozen):
    parent, sub_cases = decided_with_sub_cases(district, frozen)
    meeting_id = AgendaItem.objects.get(flag__case=parent).meeting_id
    url = f"{MEETINGS}{meeting_id}/print/"
    leo = district.client(district.leo)

    agenda_page = leo.get(url, HTTP_ACCEPT_LANGUAGE="en")
    minutes_page = leo.get(url, {"part": "minutes"}, HTTP_ACCEPT_LANGUAGE="en")

    assert agenda_page.status_code == 200 and agenda_page["Content-Type"].startswith("text/html")
    agenda_html, minutes_html = agenda_page.content.decode(), minutes_page.content.decode()
    assert "Agenda of the joint review meeting" in agenda_html and parent.number in agenda_html
    assert DECISION not in agenda_html
    assert "Minutes of the joint review meeting" in minutes_html
    assert DECISION in minutes_html and sub_cases[0].number in minutes_html
    assert "2026-12-02 17:30" in minutes_html, "due times in Beijing time"
    assert "/static/supervision/meeting_print.css" in agenda_html, "print styles from a file: the CSP refuses inline"
    assert "@page" in Path(finders.find("supervision/meeting_print.css")).read_text()


def test_it_refuses_the_print_view_to_officials_outside_the_meeting(district):
    meeting = planned(district)

    assert district.client(district.dora).get(meeting_url(meeting, "print")).status_code == 404
    assert district.client(district.alice).get(meeting_url(meeting, "print")).status_code == 403


# Query counts


def measure(user, url: str) -> tuple[int, dict, str]:
    client = APIClient()
    client.force_authenticate(user=user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.data
    return len(queries), response.data, "\n".join(query["sql"] for query in queries.captured_queries)


def flagged_cases(district, count: int) -> None:
    for n in range(count):
        case = yixin_case(district, f"事项{n}")
        flagged(district, case)


# 1 roles with the unit tree for sam; 1 meeting with its people; 1 participating units; 1 items with their
# flags, cases, enterprises, units and people; 1 sub-cases of those items.
MEETING_DETAIL_QUERIES = 5
# 1 roles with the unit tree; 1 COUNT; 1 page of flags with their cases and people.
FLAG_LIST_QUERIES = 3


def test_it_shows_a_meeting_of_2_and_of_6_items_in_the_same_number_of_queries(district):
    flagged_cases(district, 2)
    small = planned(district)
    flagged_cases(district, 6)
    large = planned(district, NEXT_MEETING_DAY)
    sam = get_user_model().objects.get(username="sam")

    few, few_body, few_sql = measure(sam, meeting_url(small))
    sam = get_user_model().objects.get(username="sam")
    many, many_body, many_sql = measure(sam, meeting_url(large))

    assert (len(few_body["items"]), len(many_body["items"])) == (2, 6)
    assert few == MEETING_DETAIL_QUERIES, few_sql
    assert many == MEETING_DETAIL_QUERIES, many_sql


def test_it_lists_2_and_8_flags_in_the_same_number_of_queries(district):
    flagged_cases(district, 2)
    few, few_body, few_sql = measure(get_user_model().objects.get(username="sam"), FLAGS)
    flagged_cases(district, 6)
    many, many_body, many_sql = measure(get_user_model().objects.get(username="sam"), FLAGS)

    assert (few_body["count"], many_body["count"]) == (2, 8)
    assert few == FLAG_LIST_QUERIES, few_sql
    assert many == FLAG_LIST_QUERIES, many_sql
