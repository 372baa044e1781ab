"""The sweep's own 催办: an assigned case long past its resolution deadline is urged without a supervisor.

The case: filed by alice on Monday 16 November 2026 at 09:00 and routed to carol at once; its 7
working days end Wednesday 25 November at 17:30. It is 1 working day late on Thursday 26, 2 on
Friday 27 and 3 on Monday 30 November, the day the default setting (3) urges it.
"""

from datetime import datetime

import pytest
import time_machine

from cases.models import Case, CaseEvent, EventAction, UrgingLevel
from notifications.models import Notification
from workflow import services
from workflow.sweep import sweep
from workflow.workdays import SHANGHAI

from .helpers import act, assigned_case, notified, reload

pytestmark = pytest.mark.django_db

MONDAY_16 = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)
THURSDAY_26 = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
FRIDAY_27 = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
MONDAY_30 = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
TUESDAY_1 = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def case(district) -> Case:
    with time_machine.travel(MONDAY_16, tick=False):
        return assigned_case(district)


def swept(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return sweep(moment)


def urge_events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk, action=EventAction.URGE).order_by("id"))


def test_it_urges_a_case_three_working_days_late_and_tells_the_assignee(district, case):
    report = swept(MONDAY_30)

    assert report.urged == 1
    fresh = reload(case)
    assert fresh.urging_level == UrgingLevel.URGED
    # Two working days to answer: Tuesday 1 and Wednesday 2 December, to the close of work.
    assert fresh.urging_answer_due_at == datetime(2026, 12, 2, 17, 30, tzinfo=SHANGHAI)
    assert fresh.version == case.version + 1
    [event] = urge_events(case)
    assert event.actor is None
    assert event.is_internal
    assert event.data == {
        "from": 0,
        "to": 1,
        "answer_due_at": "2026-12-02T17:30:00+08:00",
        "automatic": True,
        "overdue_workdays": 3,
    }
    assert "3" in event.note and "2026-12-02 17:30" in event.note
    assert notified(case, "case_urged") == ["carol"]


def test_it_shows_the_automatic_urging_to_the_supervisor_as_a_system_event(district, case):
    swept(MONDAY_30)

    with time_machine.travel(MONDAY_30, tick=False):
        data = district.client(district.sam).get(f"/api/v1/cases/{case.pk}/").data

    assert data["urging_level"] == 1
    event = [event for event in data["events"] if event["action"] == "urge"][0]
    assert event["actor"] is None
    assert event["data"]["automatic"] is True


@pytest.mark.parametrize("moment", [THURSDAY_26, FRIDAY_27])
def test_it_waits_until_the_case_is_three_working_days_late(district, case, moment):
    report = swept(moment)

    assert report.urged == 0
    assert reload(case).urging_level == UrgingLevel.NONE
    assert urge_events(case) == []


def test_it_urges_once_however_often_it_sweeps(district, case):
    swept(MONDAY_30)
    second = swept(MONDAY_30)
    third = swept(TUESDAY_1)

    assert (second.urged, third.urged) == (0, 0)
    assert len(urge_events(case)) == 1
    assert Notification.objects.filter(kind="case_urged").count() == 1


def test_it_does_not_raise_again_a_case_a_supervisor_cleared(district, case):
    swept(MONDAY_30)
    with time_machine.travel(MONDAY_30.replace(hour=11), tick=False):
        response = act(district, district.sam, reload(case), "urge", {"level": 0, "note": "已电话督促，暂不催办。"})
        assert response.status_code == 200, response.data

    report = swept(TUESDAY_1)

    assert report.urged == 0
    assert reload(case).urging_level == UrgingLevel.NONE
    assert [event.data["to"] for event in urge_events(case)] == [1, 0]


def test_it_leaves_a_case_a_supervisor_urged_by_hand_where_they_put_it(district, case):
    with time_machine.travel(FRIDAY_27, tick=False):
        services.case_urge(
            case=case,
            acting_user=district.sam,
            level=UrgingLevel.SUPERVISED,
            note="请单位负责人过问。",
            answer_due_at=datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI),
        )

    report = swept(MONDAY_30)

    assert report.urged == 0
    assert reload(case).urging_level == UrgingLevel.SUPERVISED
    assert len(urge_events(case)) == 1


def test_it_urges_again_when_an_extended_deadline_runs_out_too(district, case):
    swept(MONDAY_30)
    with time_machine.travel(MONDAY_30.replace(hour=11), tick=False):
        case = services.case_urge(case=reload(case), acting_user=district.sam, level=0, note="已申请延期。")
        extension = services.extension_request_create(
            case=case,
            acting_user=district.carol,
            requested_due_date=datetime(2026, 12, 3, tzinfo=SHANGHAI).date(),
            reason="需协调供电公司。",
        )
        services.extension_decide(extension=extension, acting_user=district.sam, approve=True)

    # The new deadline, Thursday 3 December 17:30, is 3 working days late on Tuesday 8 December.
    report = swept(datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI))

    assert report.urged == 1
    assert reload(case).urging_level == UrgingLevel.URGED
    assert [event.data["to"] for event in urge_events(case)] == [1, 0, 1]


def test_it_follows_the_setting(district, case, settings):
    settings.HUIYIN = {**settings.HUIYIN, "AUTO_URGE_AFTER_WORKDAYS": 1}

    assert swept(THURSDAY_26).urged == 1
    assert reload(case).urging_level == UrgingLevel.URGED


def test_it_can_be_turned_off(district, case, settings):
    settings.HUIYIN = {**settings.HUIYIN, "AUTO_URGE_AFTER_WORKDAYS": 0}

    assert swept(TUESDAY_1).urged == 0
    assert reload(case).urging_level == UrgingLevel.NONE


def test_it_leaves_resolved_cases_alone(district, case):
    with time_machine.travel(FRIDAY_27, tick=False):
        services.case_resolve(case=case, acting_user=district.carol, resolution_type="solved", reply="已修复。")

    assert swept(MONDAY_30).urged == 0
    assert urge_events(case) == []
