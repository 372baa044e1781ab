"""The urging ladder (催办 → 督办 → 挂牌督办), through the API.

A supervisor raises a case with a note and a time for the next answer; each
level reaches further up: the assignee, then the unit's heads, then the
enterprise's 包联 leader. Lowering and clearing are recorded too. The ladder is
internal: enterprise users never see it.

The case of these tests: filed by alice on Monday 16 November 2026 at 09:00 and
routed to carol of the Industry Bureau (headed by hank); leo leads Yixin's service.
"""

from datetime import datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from cases.models import Case, CaseEvent, EventAction, UrgingLevel
from notifications.models import Notification
from workflow.workdays import SHANGHAI

from .helpers import (
    CASES_URL,
    act,
    actions_of,
    assigned_case,
    case_url,
    closed_case,
    notified,
    opened_case,
    reload,
    resolved_case,
)

pytestmark = pytest.mark.django_db

OVERDUE = "/api/v1/supervision/overdue/"
MONDAY_9 = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)
TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)
FRIDAY_17 = datetime(2026, 11, 20, 17, 0, tzinfo=SHANGHAI)
NOTE = "企业反映三次仍未答复，请加快办理。"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TUESDAY_10, tick=False):
        yield


@pytest.fixture
def case(district) -> Case:
    with time_machine.travel(MONDAY_9, tick=False):
        return assigned_case(district)


def urge(district, user, case: Case, level: int, *, note: str | None = NOTE, due: datetime | None = FRIDAY_17, **extra):
    body = {"level": level, **extra}
    if note is not None:
        body["note"] = note
    if due is not None:
        body["answer_due_at"] = due.isoformat()
    return act(district, user, case, "urge", body)


def urged(district, case: Case, level: int, **kwargs) -> dict:
    response = urge(district, district.sam, case, level, **kwargs)
    assert response.status_code == 200, response.data
    return response.data


def urge_events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk, action=EventAction.URGE).order_by("id"))


def listed(district, user, query: str = "") -> dict[int, dict]:
    response = district.client(user).get(f"{CASES_URL}{query}")
    assert response.status_code == 200, response.data
    return {row["id"]: row for row in response.data["results"]}


@pytest.mark.parametrize(
    ("level", "audience"),
    [
        (UrgingLevel.URGED, ["carol"]),
        (UrgingLevel.SUPERVISED, ["carol", "hank"]),
        (UrgingLevel.LISTED, ["carol", "hank", "leo"]),
    ],
)
def test_it_notifies_further_up_at_each_level(district, case, level, audience):
    data = urged(district, case, level)

    assert data["urging_level"] == level
    assert data["urging_level_display"] == str(UrgingLevel(level).label)
    assert notified(case, "case_urged") == audience
    body = Notification.objects.filter(about=f"case:{case.pk}", kind="case_urged").first().body
    assert NOTE in body
    assert "2026-11-20 17:00" in body


def test_it_notifies_again_at_each_raise_and_not_on_lowering(district, case):
    urged(district, case, UrgingLevel.URGED)
    urged(district, case, UrgingLevel.LISTED)
    urged(district, case, UrgingLevel.URGED)
    urged(district, case, UrgingLevel.NONE)

    rows = Notification.objects.filter(about=f"case:{case.pk}", kind="case_urged").select_related("recipient")
    assert sorted(row.recipient.get_username() for row in rows) == ["carol", "carol", "hank", "leo"]


def test_it_records_raising_lowering_and_clearing(district, case):
    urged(district, case, UrgingLevel.SUPERVISED)
    urged(district, case, UrgingLevel.URGED, note="已有进展，降为催办。", due=None)
    data = urged(district, case, UrgingLevel.NONE, note="已答复，解除。", due=None)

    events = urge_events(case)
    assert [(event.data["from"], event.data["to"]) for event in events] == [(0, 2), (2, 1), (1, 0)]
    assert [event.note for event in events] == [NOTE, "已有进展，降为催办。", "已答复，解除。"]
    assert all(event.is_internal and event.actor == district.sam for event in events)
    # Lowering keeps the time the answer is due; clearing removes it.
    assert datetime.fromisoformat(events[1].data["answer_due_at"]) == FRIDAY_17
    assert events[2].data["answer_due_at"] is None
    fresh = reload(case)
    assert (fresh.urging_level, fresh.urging_answer_due_at) == (UrgingLevel.NONE, None)
    assert data["urging_level"] == 0 and data["urging_answer_due_at"] is None
    assert [event["action"] for event in data["events"]][-3:] == ["urge", "urge", "urge"]


def test_it_shows_the_level_and_answer_time_on_the_case(district, case):
    data = urged(district, case, UrgingLevel.SUPERVISED)

    assert data["urging_answer_due_at"] == "2026-11-20T17:00:00+08:00"
    assert data["version"] == case.version + 1


@pytest.mark.parametrize("name", ["carol", "hank", "alice", "leo", "dora"])
def test_it_refuses_everyone_but_the_supervisor(district, case, name):
    before = reload(case)

    response = urge(district, getattr(district, name), case, UrgingLevel.URGED)

    assert response.status_code == 403, response.data
    assert reload(case).urging_level == before.urging_level == 0
    assert urge_events(case) == []


@pytest.mark.parametrize("name", ["otto", "bob"])
def test_it_hides_the_case_from_those_who_cannot_see_it(district, case, name):
    response = urge(district, getattr(district, name), case, UrgingLevel.URGED)

    assert response.status_code == 404


def test_it_refuses_the_same_level(district, case):
    urged(district, case, UrgingLevel.URGED)

    response = urge(district, district.sam, case, UrgingLevel.URGED)

    assert response.status_code == 409
    assert response.data["code"] == "urging_unchanged"
    assert len(urge_events(case)) == 1


def test_it_refuses_a_closed_case(district):
    with time_machine.travel(MONDAY_9, tick=False):
        case = closed_case(district)

    response = urge(district, district.sam, case, UrgingLevel.URGED)

    assert response.status_code == 409
    assert response.data["code"] == "invalid_state"


def test_it_refuses_a_stale_copy(district, case):
    seen = case.version
    urged(district, case, UrgingLevel.URGED)

    response = urge(district, district.sam, case, UrgingLevel.SUPERVISED, version=seen)

    assert response.status_code == 409
    assert response.data["code"] == "stale_case"
    assert reload(case).urging_level == UrgingLevel.URGED


@pytest.mark.parametrize("note", [None, "", "   "])
def test_it_needs_a_note(district, case, note):
    response = urge(district, district.sam, case, UrgingLevel.URGED, note=note)

    assert response.status_code == 400
    assert "note" in response.data["fields"]
    assert reload(case).urging_level == 0


@pytest.mark.parametrize("due", [None, MONDAY_9])
def test_it_needs_a_future_answer_time_to_raise(district, case, due):
    response = urge(district, district.sam, case, UrgingLevel.SUPERVISED, due=due)

    assert response.status_code == 400
    assert "answer_due_at" in response.data["fields"]
    assert notified(case, "case_urged") == []


def test_it_shows_the_level_in_lists_to_officials_only(district, case):
    urged(district, case, UrgingLevel.LISTED)

    for official in (district.sam, district.carol, district.hank, district.leo):
        row = listed(district, official)[case.pk]
        assert row["urging_level"] == 3
        assert row["urging_answer_due_at"] == "2026-11-20T17:00:00+08:00"
    row = listed(district, district.alice)[case.pk]
    assert (row["urging_level"], row["urging_level_display"], row["urging_answer_due_at"]) == (None, None, None)
    detail = district.client(district.alice).get(case_url(case)).data
    assert detail["urging_level"] is None
    assert "urge" not in [event["action"] for event in detail["events"]]


def test_it_lists_the_leaders_board_of_listed_cases(district, case):
    with time_machine.travel(MONDAY_9, tick=False):
        supervised, plain = assigned_case(district), assigned_case(district)
    urged(district, case, UrgingLevel.LISTED)
    urged(district, supervised, UrgingLevel.SUPERVISED)

    assert set(listed(district, district.leo, "?urging_level=3")) == {case.pk}
    assert set(listed(district, district.sam, "?urging_level_min=2")) == {case.pk, supervised.pk}
    assert plain.pk in listed(district, district.sam, "?urging_level=0")
    # To the enterprise every case is at level 0, so the filter tells it nothing.
    assert listed(district, district.alice, "?urging_level=3") == {}
    assert set(listed(district, district.alice, "?urging_level=0")) == {case.pk, supervised.pk, plain.pk}


def test_it_filters_the_overdue_review_by_urging_level(district, case):
    with time_machine.travel(MONDAY_9, tick=False):
        other = assigned_case(district)
    late = datetime(2026, 12, 10, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        urged(district, case, UrgingLevel.SUPERVISED, due=datetime(2026, 12, 11, 17, 0, tzinfo=SHANGHAI))
        everything = district.client(district.sam).get(OVERDUE).json()
        supervised = district.client(district.sam).get(f"{OVERDUE}?urging_level=2").json()
        at_least_one = district.client(district.sam).get(f"{OVERDUE}?urging_level_min=1").json()

    assert {row["id"] for row in everything["results"]} == {case.pk, other.pk}
    assert [row["id"] for row in supervised["results"]] == [case.pk]
    assert [row["id"] for row in at_least_one["results"]] == [case.pk]


def test_it_tells_everyone_the_previous_level_reached_when_it_is_lowered(district, case):
    urged(district, case, UrgingLevel.LISTED)

    urged(district, case, UrgingLevel.URGED, note="已有进展，降为催办。", due=None)

    assert notified(case, "case_urging_lowered") == ["carol", "hank", "leo"]
    lowered = Notification.objects.filter(kind="case_urging_lowered").first()
    assert "已有进展，降为催办。" in lowered.body
    assert "2026-11-20 17:00" in lowered.body


def test_it_tells_the_assignee_when_the_urging_is_cleared(district, case):
    urged(district, case, UrgingLevel.URGED)

    with time_machine.travel(TUESDAY_10.replace(hour=11), tick=False):
        urged(district, case, UrgingLevel.NONE, note="已答复，解除。", due=None)

    assert notified(case, "case_urging_lowered") == ["carol"]
    assert "已答复，解除。" in Notification.objects.get(kind="case_urging_lowered").body


def test_it_offers_urging_to_the_supervisor_while_the_case_is_open(district, case):
    with time_machine.travel(MONDAY_9, tick=False):
        opened = opened_case(district)

    assert "urge" in actions_of(district, district.sam, case)
    assert "urge" in actions_of(district, district.sam, opened)
    row = listed(district, district.sam)[case.pk]
    assert "urge" in row["available_actions"]


@pytest.mark.parametrize("name", ["carol", "hank", "leo", "dora", "alice"])
def test_it_offers_urging_to_nobody_else(district, case, name):
    assert "urge" not in actions_of(district, getattr(district, name), case)
    assert "urge" not in listed(district, getattr(district, name))[case.pk]["available_actions"]


def test_it_stops_offering_urging_once_the_case_is_resolved(district):
    with time_machine.travel(MONDAY_9, tick=False):
        resolved = resolved_case(district)

    assert "urge" not in actions_of(district, district.sam, resolved)


def test_it_shows_the_level_and_answer_time_in_the_overdue_review_and_its_export(district, case):
    late = datetime(2026, 12, 10, 10, 0, tzinfo=SHANGHAI)
    answer = datetime(2026, 12, 11, 17, 0, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        urged(district, case, UrgingLevel.SUPERVISED, due=answer)
        rows = district.client(district.sam).get(OVERDUE).json()["results"]
        export = district.client(district.sam).get(f"{OVERDUE}export/")

    [row] = [row for row in rows if row["id"] == case.pk]
    assert (row["urging_level"], row["urging_level_display"]) == (2, str(UrgingLevel.SUPERVISED.label))
    assert row["urging_answer_due_at"] == "2026-12-11T17:00:00+08:00"
    sheet = load_workbook(BytesIO(b"".join(export.streaming_content)), read_only=True).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    line = dict(zip(header, [line for line in lines if line[0] == case.number][0], strict=True))
    assert (line["督办等级"], line["督办答复时限"]) == ("督办", "2026-12-11 17:00")
