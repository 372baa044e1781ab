"""Pausing a case's resolution clock (挂起) while it waits for the enterprise's material, and resuming it.

The case of these tests: filed by alice on Monday 16 November 2026 at 09:00 and routed to carol (Industry
Bureau, headed by hank), so resolution is due Wednesday 25 November 17:30 (7 working days). Carol pauses it on
Tuesday 17 at 10:00 until Friday 20: the clock had 6 working days left (18–20, 23–25), the pause plans 3
(18–20). sam supervises the district, otto another one.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseEvent, Comment, Visibility
from core.tests.logs import logged
from notifications.models import Notification
from workflow import services
from workflow.models import ClockPause, DeadlineCycle, PauseEnd, PauseState
from workflow.sweep import pauses_sweep

from .helpers import act, actions_of, assigned_case, case_url, notified, reload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAUSES_URL = "/api/v1/pauses/"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY_9 = at(2026, 11, 16, 9)
TUESDAY_10 = at(2026, 11, 17, 10)
THURSDAY_10 = at(2026, 11, 19, 10)
NEEDED = "请补充提供新生产线的用电负荷计算书和设备清单。"
REASON = "供电公司需负荷计算书方可出具增容方案。"


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def carols_case(district) -> Case:
    with travel(MONDAY_9):
        return assigned_case(district)


def pause(district, user, case: Case, expected_date: str = "2026-11-20", moment: datetime = TUESDAY_10, **body):
    with travel(moment):
        return act(
            district,
            user,
            case,
            "pause",
            {"needed": NEEDED, "reason": REASON, "expected_date": expected_date, **body},
        )


def paused_case(district, expected_date: str = "2026-11-20", moment: datetime = TUESDAY_10) -> Case:
    case = carols_case(district)
    response = pause(district, district.carol, case, expected_date, moment)
    assert response.status_code == 200, response.data
    return reload(case)


def detail(district, user, case: Case) -> dict:
    response = district.client(user).get(case_url(case))
    assert response.status_code == 200, response.data
    return response.data


def resolution_cycles(case: Case) -> list[DeadlineCycle]:
    return list(DeadlineCycle.objects.filter(case_id=case.pk, kind="resolution").order_by("started_at", "id"))


def the_pause(case: Case) -> ClockPause:
    return ClockPause.objects.filter(case_id=case.pk).latest("requested_at", "id")


def assert_refused(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.data
    if code is not None:
        assert response.data["code"] == code, response.data


def sweep_pauses_at(moment: datetime):
    with travel(moment):
        return pauses_sweep(moment)


class TestPausing:
    def test_it_stops_the_clock_and_tells_the_enterprise_what_is_needed(self, district):
        case = carols_case(district)

        response = pause(district, district.carol, case)

        assert response.status_code == 200, response.data
        assert response.data["resolution_due_at"] is None
        assert response.data["paused_until"] == "2026-11-20T17:30:00+08:00"
        assert response.data["is_overdue"] is False
        assert "pause" not in response.data["available_actions"]
        assert "resume" in response.data["available_actions"]
        stopped = resolution_cycles(case)[-1]
        assert (stopped.outcome, stopped.breached, stopped.ended_at) == ("paused", False, TUESDAY_10)
        row = the_pause(case)
        assert (row.state, row.workdays_left, row.planned_workdays, row.needs_approval) == ("running", 6, 3, False)
        assert row.paused_cycle == stopped
        # The enterprise hears what is needed, and reads it on the case as carol's reply.
        assert notified(case, "case_paused") == ["alice"]
        comment = Comment.objects.get(case_id=case.pk)
        assert (comment.author, comment.visibility, comment.body) == (district.carol, Visibility.PUBLIC, NEEDED)
        event = CaseEvent.objects.get(case_id=case.pk, action="pause")
        assert (event.actor, event.is_internal, event.note) == (district.carol, False, NEEDED)
        # That reply answers the enterprise: the first-reply clock is met.
        first_reply = DeadlineCycle.objects.get(case_id=case.pk, kind="first_reply")
        assert (first_reply.outcome, first_reply.ended_at) == ("met", TUESDAY_10)

    def test_it_offers_the_pause_to_the_assignee_alone(self, district):
        case = carols_case(district)

        assert "pause" in actions_of(district, district.carol, case)
        for user in (district.hank, district.sam, district.alice, district.dora):
            assert "pause" not in actions_of(district, user, case), user

    @pytest.mark.parametrize("name", ["hank", "sam", "alice"])
    def test_it_refuses_a_pause_by_anyone_but_the_assignee(self, district, name):
        case = carols_case(district)

        response = pause(district, getattr(district, name), case)

        assert_refused(response, 403)
        assert reload(case).paused_until is None
        assert not ClockPause.objects.exists()

    @pytest.mark.parametrize("expected_date", ["2026-11-17", "2026-11-21", "2026-11-16"])
    def test_it_refuses_an_expected_date_that_is_not_a_working_day_after_today(self, district, expected_date):
        case = carols_case(district)

        response = pause(district, district.carol, case, expected_date)

        assert_refused(response, 400, "pause_date")
        assert "expected_date" in response.data["fields"]
        assert reload(case).resolution_due_at is not None

    def test_it_asks_for_what_is_needed(self, district):
        case = carols_case(district)

        response = pause(district, district.carol, case, needed="  ")

        assert_refused(response, 400)
        assert "needed" in response.data["fields"]

    def test_it_refuses_to_pause_a_paused_case_again(self, district):
        case = paused_case(district)

        response = pause(district, district.carol, case, "2026-11-24", THURSDAY_10)

        assert_refused(response, 409, "invalid_state")
        assert ClockPause.objects.count() == 1

    def test_it_keeps_a_breach_when_the_clock_was_already_late(self, district):
        case = carols_case(district)
        late = at(2026, 11, 26, 10)

        response = pause(district, district.carol, case, "2026-11-30", late)

        assert response.status_code == 200, response.data
        stopped = resolution_cycles(case)[-1]
        assert (stopped.outcome, stopped.breached) == ("paused", True)
        assert the_pause(case).workdays_left == 1

    def test_it_refuses_more_time_while_paused(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = district.client(district.carol).post(
                case_url(case, "extensions"),
                {"requested_due_date": "2026-12-04", "reason": "需要更多时间"},
                format="json",
            )

        assert_refused(response, 409, "case_paused")

    def test_it_refuses_a_pause_while_more_time_is_asked_for(self, district):
        case = carols_case(district)
        with travel(MONDAY_9):
            services.extension_request_create(
                case=case, acting_user=district.carol, requested_due_date=date(2026, 12, 4), reason="施工"
            )

        response = pause(district, district.carol, reload(case))

        assert_refused(response, 409, "extension_pending")


class TestResuming:
    def test_it_lets_the_assignee_resume_with_the_days_the_clock_had_left(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(district, district.carol, case, "resume")

        assert response.status_code == 200, response.data
        # 6 working days from Thursday 19: Fri 20, Mon 23 – Fri 27.
        assert response.data["resolution_due_at"] == "2026-11-27T17:30:00+08:00"
        assert response.data["paused_until"] is None
        assert "pause" in response.data["available_actions"]
        resumed = resolution_cycles(case)[-1]
        assert (resumed.started_by, resumed.workdays, resumed.responsible, resumed.unit) == (
            "resume",
            6,
            district.carol,
            district.industry,
        )
        row = the_pause(case)
        assert (row.state, row.ended_how, row.ended_by, row.workdays_paused) == ("ended", "official", district.carol, 2)
        assert row.resumed_cycle == resumed
        event = CaseEvent.objects.get(case_id=case.pk, action="resume")
        assert (event.actor, event.is_internal, event.data["how"]) == (district.carol, False, "official")

    def test_it_lets_the_unit_head_resume(self, district):
        case = paused_case(district)

        assert "resume" in actions_of(district, district.hank, case)
        with travel(THURSDAY_10):
            response = act(district, district.hank, case, "resume")

        assert response.status_code == 200, response.data
        assert the_pause(case).ended_by == district.hank

    @pytest.mark.parametrize("name", ["alice", "sam", "dave"])
    def test_it_refuses_a_resume_by_others(self, district, name):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(district, getattr(district, name), case, "resume")

        assert response.status_code in (403, 404), response.data
        assert reload(case).paused_until is not None

    def test_it_refuses_to_resume_a_case_that_is_not_paused(self, district):
        case = carols_case(district)

        assert_refused(act(district, district.carol, case, "resume"), 409, "invalid_state")

    def test_it_resumes_when_the_enterprise_replies(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = district.client(district.alice).post(
                case_url(case, "comments"), {"body": "负荷计算书已发至邮箱，请查收。"}, format="json"
            )

        assert response.status_code == 201, response.data
        fresh = reload(case)
        assert fresh.paused_until is None
        assert fresh.resolution_due_at == at(2026, 11, 27, 17, 30)
        row = the_pause(case)
        assert (row.ended_how, row.ended_by) == (PauseEnd.ENTERPRISE_REPLY, district.alice)
        assert notified(case, "case_resumed") == ["carol"]

    def test_it_resumes_when_the_enterprise_uploads_a_file(self, district):
        case = paused_case(district)
        upload = SimpleUploadedFile("负荷计算书.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

        with travel(THURSDAY_10):
            response = district.client(district.alice).post(
                case_url(case, "attachments"), {"file": upload}, format="multipart"
            )

        assert response.status_code == 201, response.data
        assert reload(case).paused_until is None
        assert the_pause(case).ended_how == PauseEnd.ENTERPRISE_UPLOAD
        assert notified(case, "case_resumed") == ["carol"]

    @pytest.mark.parametrize("visibility", ["public", "internal"])
    def test_it_stays_paused_when_an_official_writes(self, district, visibility):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = district.client(district.carol).post(
                case_url(case, "comments"), {"body": "已电话提醒企业。", "visibility": visibility}, format="json"
            )

        assert response.status_code == 201, response.data
        assert reload(case).paused_until == at(2026, 11, 20, 17, 30)
        assert the_pause(case).state == PauseState.RUNNING


class TestTheSweep:
    def test_it_resumes_after_the_expected_date_once_in_working_hours(self, district):
        case = paused_case(district)

        # Friday 17:30 ends the expected date; the evening and the weekend are after hours.
        for moment in (at(2026, 11, 20, 16), at(2026, 11, 20, 18), at(2026, 11, 21, 10)):
            assert sweep_pauses_at(moment).resumed == 0, moment
            assert reload(case).paused_until is not None
        first = sweep_pauses_at(at(2026, 11, 23, 8, 40))
        again = sweep_pauses_at(at(2026, 11, 23, 8, 42))

        assert (first.resumed, again.resumed) == (1, 0)
        fresh = reload(case)
        assert fresh.paused_until is None
        # The clock counts from the end of the expected date: 6 working days after Friday 20.
        assert fresh.resolution_due_at == at(2026, 11, 30, 17, 30)
        row = the_pause(case)
        assert (row.ended_how, row.ended_by, row.workdays_paused) == (PauseEnd.EXPECTED_DATE, None, 3)
        assert row.ended_at == at(2026, 11, 23, 8, 40)
        assert notified(case, "case_resumed") == ["carol"]
        assert CaseEvent.objects.filter(case_id=case.pk, action="resume", actor=None).count() == 1

    def test_it_reminds_the_enterprise_once_on_the_morning_of_the_expected_date(self, district):
        case = paused_case(district)

        assert sweep_pauses_at(at(2026, 11, 19, 16)).reminded == 0
        first = sweep_pauses_at(at(2026, 11, 20, 8, 35))
        again = sweep_pauses_at(at(2026, 11, 20, 10))

        assert (first.reminded, again.reminded) == (1, 0)
        assert notified(case, "reminder_pause_due_today") == ["alice"]

    def test_it_leaves_a_pause_the_enterprise_ended_alone(self, district):
        case = paused_case(district)
        with travel(THURSDAY_10):
            services.comment_add(case=reload(case), acting_user=district.alice, body="材料已上传。")

        report = sweep_pauses_at(at(2026, 11, 23, 9))

        assert (report.resumed, report.reminded) == (0, 0)
        assert CaseEvent.objects.filter(case_id=case.pk, action="resume").count() == 1


class TestWhatEndsAPause:
    def test_it_counts_a_paused_case_resolved_as_resolved_on_its_clock(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(district, district.carol, case, "resolve", {"resolution_type": "solved", "reply": "已办结"})

        assert response.status_code == 200, response.data
        assert response.data["paused_until"] is None
        met = resolution_cycles(case)[-1]
        assert (met.started_by, met.outcome, met.breached) == ("resume", "met", False)
        assert the_pause(case).ended_how == PauseEnd.RESOLVED
        actions = list(CaseEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
        assert actions[-2:] == ["resume", "resolve"]

    def test_it_ends_the_pause_of_a_case_sent_back_out_of_the_enterprises_sight(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(district, district.carol, case, "send-back", {"reason": "不属于本局职责"})

        assert response.status_code == 200, response.data
        assert the_pause(case).ended_how == PauseEnd.SENT_BACK
        assert not DeadlineCycle.objects.filter(case_id=case.pk, kind="resolution", ended_at__isnull=True).exists()
        assert CaseEvent.objects.get(case_id=case.pk, action="resume").is_internal
        assert "resume" not in [event["action"] for event in detail(district, district.alice, case)["events"]]

    def test_it_keeps_the_pause_when_the_case_moves_within_one_bureau(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(
                district,
                district.hank,
                case,
                "reassign",
                {"assignee": district.carla.pk, "unit": district.industry_office.pk},
            )
            assert response.status_code == 200, response.data
            assert reload(case).paused_until == at(2026, 11, 20, 17, 30)
            assert not DeadlineCycle.objects.filter(case_id=case.pk, kind="resolution", ended_at__isnull=True).exists()
            resumed = act(district, district.carla, case, "resume")

        assert resumed.status_code == 200, resumed.data
        cycle = resolution_cycles(case)[-1]
        assert (cycle.responsible, cycle.unit, cycle.workdays) == (district.carla, district.industry_office, 6)

    def test_it_gives_another_unit_a_clock_of_its_own(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(
                district, district.sam, case, "reassign", {"assignee": district.dave.pk, "unit": district.commerce.pk}
            )

        assert response.status_code == 200, response.data
        assert the_pause(case).ended_how == PauseEnd.REASSIGNED
        cycle = resolution_cycles(case)[-1]
        assert (cycle.unit, cycle.workdays, cycle.started_by) == (district.commerce, 7, "reassign")
        assert reload(case).paused_until is None

    def test_it_ends_the_pause_of_a_withdrawn_case(self, district):
        case = paused_case(district)

        with travel(THURSDAY_10):
            response = act(district, district.alice, case, "withdraw", {"reason": "已自行解决"})

        assert response.status_code == 200, response.data
        assert the_pause(case).ended_how == PauseEnd.WITHDRAWN
        assert not DeadlineCycle.objects.filter(case_id=case.pk, ended_at__isnull=True).exists()


def pause_and_resume(district, case: Case, *, paused: datetime, expected_date: str, resumed: datetime) -> Case:
    response = pause(district, district.carol, case, expected_date, paused)
    assert response.status_code == 200, response.data
    assert the_pause(case).state == PauseState.RUNNING, "within the limits"
    with travel(resumed):
        assert act(district, district.carol, case, "resume").status_code == 200
    return reload(case)


class TestLimits:
    def test_it_makes_a_third_pause_a_request_for_a_supervisor(self, district):
        case = carols_case(district)
        case = pause_and_resume(
            district, case, paused=TUESDAY_10, expected_date="2026-11-18", resumed=at(2026, 11, 18, 9)
        )
        case = pause_and_resume(
            district, case, paused=at(2026, 11, 18, 10), expected_date="2026-11-19", resumed=THURSDAY_10
        )
        due = case.resolution_due_at

        response = pause(district, district.carol, case, "2026-11-20", at(2026, 11, 19, 11))

        assert response.status_code == 200, response.data
        row = the_pause(case)
        assert (row.state, row.needs_approval) == (PauseState.REQUESTED, True)
        # Nothing stops until a supervisor approves.
        assert response.data["resolution_due_at"] is not None and response.data["paused_until"] is None
        assert reload(case).resolution_due_at == due
        assert notified(case, "pause_requested") == ["sam"]
        event = CaseEvent.objects.get(case_id=case.pk, action="pause-request")
        assert event.is_internal
        # The enterprise heard of the two earlier pauses, not of this request.
        assert notified(case, "case_paused") == ["alice", "alice"]

    def test_it_makes_a_pause_beyond_the_working_days_a_request(self, district):
        case = carols_case(district)

        # 11 working days: 18–20, 23–27, 30 November, 1 and 2 December.
        response = pause(district, district.carol, case, "2026-12-02")

        assert response.status_code == 200, response.data
        assert the_pause(case).state == PauseState.REQUESTED
        assert reload(case).paused_until is None

    def test_it_reads_the_limits_from_the_settings(self, district, settings):
        settings.HUIYIN = {**settings.HUIYIN, "PAUSE_MAX_WORKDAYS": 20}
        case = carols_case(district)

        response = pause(district, district.carol, case, "2026-12-02")

        assert response.status_code == 200, response.data
        assert the_pause(case).state == PauseState.RUNNING

    def test_it_stops_the_clock_when_a_supervisor_approves(self, district):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")
        pause_id = the_pause(case).pk

        with travel(THURSDAY_10):
            response = district.client(district.sam).post(f"{PAUSES_URL}{pause_id}/approve/", {"note": "同意"})

        assert response.status_code == 200, response.data
        assert response.data["state"] == "running"
        assert response.data["decided_by"]["username"] == "sam"
        row = the_pause(case)
        assert (row.paused_at, row.workdays_left) == (THURSDAY_10, 4)
        assert reload(case).paused_until == at(2026, 12, 2, 17, 30)
        assert notified(case, "pause_decided") == ["carol"]
        assert notified(case, "case_paused") == ["alice"]
        # The enterprise reads the request for material as carol's; the decision is internal.
        assert CaseEvent.objects.get(case_id=case.pk, action="pause").actor == district.carol
        assert CaseEvent.objects.get(case_id=case.pk, action="pause-decision").is_internal

    def test_it_keeps_the_clock_running_when_a_supervisor_rejects(self, district):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")
        pause_id = the_pause(case).pk
        sam = district.client(district.sam)

        with travel(THURSDAY_10):
            without_note = sam.post(f"{PAUSES_URL}{pause_id}/reject/", {})
            response = sam.post(f"{PAUSES_URL}{pause_id}/reject/", {"note": "请先电话催促企业。"})

        assert_refused(without_note, 400)
        assert response.status_code == 200, response.data
        assert response.data["state"] == "rejected"
        assert reload(case).resolution_due_at == at(2026, 11, 25, 17, 30)
        assert notified(case, "pause_decided") == ["carol"]

    @pytest.mark.parametrize(("name", "status"), [("hank", 403), ("carol", 403), ("otto", 404), ("alice", 404)])
    def test_it_lets_only_a_supervisor_of_the_case_decide(self, district, name, status):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")
        pause_id = the_pause(case).pk

        with travel(THURSDAY_10):
            response = district.client(getattr(district, name)).post(f"{PAUSES_URL}{pause_id}/approve/", {})

        assert_refused(response, status)
        assert the_pause(case).state == PauseState.REQUESTED

    def test_it_refuses_to_approve_once_the_expected_date_has_passed(self, district):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")

        with travel(at(2026, 12, 3, 9)):
            response = district.client(district.sam).post(f"{PAUSES_URL}{the_pause(case).pk}/approve/", {})

        assert_refused(response, 409, "pause_date_passed")

    def test_it_lets_a_request_lapse_when_the_case_is_resolved(self, district):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")

        with travel(THURSDAY_10):
            act(district, district.carol, reload(case), "resolve", {"resolution_type": "solved", "reply": "已办结"})

        assert the_pause(case).state == PauseState.LAPSED
        assert logged(the_pause(case)) == [("lapse", "requested", "lapsed", "carol", "resolve")]

    def test_it_records_each_transition_of_a_pause_with_who_made_it(self, district):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")
        row = the_pause(case)
        with travel(THURSDAY_10):
            district.client(district.sam).post(f"{PAUSES_URL}{row.pk}/approve/", {"note": "材料确需补充"})
            act(district, district.carol, case, "resume")

        assert logged(row) == [
            ("approve", "requested", "running", "sam", "材料确需补充"),
            ("end", "running", "ended", "carol", PauseEnd.OFFICIAL),
        ]


class TestVisibility:
    def test_it_shows_the_enterprise_what_is_asked_and_until_when_but_not_why(self, district):
        case = paused_case(district)

        body = detail(district, district.alice, case)

        assert body["pause"] == {
            "needed": NEEDED,
            "expected_date": "2026-11-20",
            "paused_at": "2026-11-17T10:00:00+08:00",
            "paused_until": "2026-11-20T17:30:00+08:00",
        }
        assert body["pauses"] == []
        assert REASON not in str(body)
        assert "pause" in [event["action"] for event in body["events"]]
        assert district.client(district.alice).get(PAUSES_URL).data["results"] == []
        assert district.client(district.alice).get(f"{PAUSES_URL}{the_pause(case).pk}/").status_code == 404

    def test_it_shows_officials_the_whole_history(self, district):
        case = paused_case(district)
        with travel(THURSDAY_10):
            act(district, district.carol, case, "resume")

        body = detail(district, district.sam, case)

        assert body["pause"] is None
        [row] = body["pauses"]
        assert (row["reason"], row["state"], row["ended_how"], row["workdays_paused"]) == (
            REASON,
            "ended",
            "official",
            2,
        )
        assert [row["id"] for row in district.client(district.sam).get(PAUSES_URL).data["results"]] == [row["id"]]
        assert district.client(district.otto).get(PAUSES_URL).data["results"] == []

    def test_it_hides_a_request_beyond_the_limits_from_the_enterprise(self, district):
        case = carols_case(district)
        pause(district, district.carol, case, "2026-12-02")

        body = detail(district, district.alice, case)

        assert body["pause"] is None and body["pauses"] == []
        assert not {"pause-request", "pause"} & {event["action"] for event in body["events"]}
        assert Notification.objects.filter(recipient=district.alice, kind__startswith="pause").count() == 0
