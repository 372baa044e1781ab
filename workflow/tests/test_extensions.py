"""Asking for more time (延期) and deciding on it, through the API.

The assignee asks for a later resolution deadline; a supervisor of the case's
jurisdiction decides (the unit head only where the policy allows it). The
enterprise never sees the request, only the deadline that results.

The case of these tests: filed by alice on Monday 16 November 2026 at 09:00 and
routed to carol, so resolution is due Wednesday 25 November 17:30 (7 working days).
"""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent, CaseState
from core.tests.logs import logged
from enterprises.models import Role, Unit, UnitKind, UnitMembership
from workflow.models import DeadlineCycle, DeadlinePolicy, ExtensionRequest

from .helpers import act, assigned_case, case_url, notified, reload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXTENSIONS_URL = "/api/v1/extensions/"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY_9 = at(2026, 11, 16, 9)
TUESDAY_10 = at(2026, 11, 17, 10)
WEDNESDAY_10 = at(2026, 11, 18, 10)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def carols_case(district, moment: datetime = MONDAY_9) -> Case:
    with travel(moment):
        return assigned_case(district)


def ask(district, user, case: Case, due_date: str, reason: str = "需协调供电公司改线，施工需两周。"):
    return district.client(user).post(
        case_url(case, "extensions"), {"requested_due_date": due_date, "reason": reason}, format="json"
    )


def decide(district, user, extension_id: int, verdict: str, note: str | None = None):
    body = {} if note is None else {"note": note}
    return district.client(user).post(f"{EXTENSIONS_URL}{extension_id}/{verdict}/", body, format="json")


def asked(district, case: Case, due_date: str, moment: datetime = TUESDAY_10) -> int:
    """Carol's request, pending; returns its id."""
    with travel(moment):
        response = ask(district, district.carol, case, due_date)
    assert response.status_code == 201, response.data
    return response.data["id"]


def approved(district, case: Case, due_date: str, moment: datetime = TUESDAY_10) -> int:
    extension_id = asked(district, case, due_date, moment)
    with travel(moment):
        response = decide(district, district.sam, extension_id, "approve")
    assert response.status_code == 200, response.data
    return extension_id


def detail(district, user, case: Case) -> dict:
    response = district.client(user).get(case_url(case))
    assert response.status_code == 200, response.data
    return response.data


def assert_refused(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.data
    if code is not None:
        assert response.data["code"] == code, response.data


def resolution_cycles(case: Case) -> list[DeadlineCycle]:
    return list(DeadlineCycle.objects.filter(case_id=case.pk, kind="resolution").order_by("started_at", "id"))


class TestAsking:
    def test_it_lets_the_assignee_ask_and_tells_the_supervisor(self, district):
        case = carols_case(district)

        with travel(TUESDAY_10):
            response = ask(district, district.carol, case, "2026-12-02")

        assert response.status_code == 201, response.data
        body = response.data
        assert body["state"] == "pending"
        assert body["requested_by"]["username"] == "carol"
        assert body["current_due_at"] == "2026-11-25T17:30:00+08:00"
        assert body["requested_due_at"] == "2026-12-02T17:30:00+08:00"  # the end of that working day
        # sam supervises the district; otto supervises elsewhere; hank may not decide under the default policy.
        assert notified(case, "extension_requested") == ["sam"]
        # Nothing moves until someone decides.
        assert detail(district, district.carol, case)["resolution_due_at"] == "2026-11-25T17:30:00+08:00"
        event = CaseEvent.objects.filter(case_id=case.pk, action="extension-request").get()
        assert (event.actor, event.is_internal) == (district.carol, True)

    def test_it_hides_requests_for_more_time_from_the_enterprise(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")
        alice = district.client(district.alice)

        body = detail(district, district.alice, case)
        assert body["extension_requests"] == []
        assert "extension-request" not in [event["action"] for event in body["events"]]
        assert alice.get(case_url(case, "extensions")).data == []
        listing = alice.get(EXTENSIONS_URL)
        assert listing.status_code == 200
        assert listing.data["results"] == []
        assert alice.get(f"{EXTENSIONS_URL}{extension_id}/").status_code == 404
        assert_refused(decide(district, district.alice, extension_id, "approve"), 404)
        # The officials who work on the case do see it.
        assert [row["id"] for row in detail(district, district.sam, case)["extension_requests"]] == [extension_id]

    def test_it_refuses_a_second_request_while_one_is_pending(self, district):
        case = carols_case(district)
        asked(district, case, "2026-12-02")

        with travel(WEDNESDAY_10):
            response = ask(district, district.carol, case, "2026-12-09")

        assert_refused(response, 409, "extension_pending")
        assert ExtensionRequest.objects.filter(case_id=case.pk).count() == 1

    def test_it_refuses_a_date_more_than_a_year_ahead(self, district):
        case = carols_case(district)

        with travel(WEDNESDAY_10):
            response = ask(district, district.carol, case, "2099-12-30")

        assert_refused(response, 400, "extension_too_far")
        assert not ExtensionRequest.objects.filter(case_id=case.pk).exists()

    def test_it_refuses_a_third_extension_after_two_approvals(self, district):
        case = carols_case(district)
        approved(district, case, "2026-12-02", TUESDAY_10)
        approved(district, case, "2026-12-09", WEDNESDAY_10)

        with travel(at(2026, 11, 19, 10)):
            response = ask(district, district.carol, case, "2026-12-16")

        assert_refused(response, 409, "extension_limit")
        assert detail(district, district.carol, case)["resolution_due_at"] == "2026-12-09T17:30:00+08:00"

    @pytest.mark.parametrize(
        "due_date",
        [
            "2026-11-28",  # a Saturday
            "2026-11-29",  # a Sunday
            "2026-11-25",  # the day already due
            "2026-11-24",  # before the deadline
        ],
    )
    def test_it_refuses_a_date_that_is_no_working_day_after_the_deadline(self, district, due_date):
        case = carols_case(district)

        with travel(TUESDAY_10):
            response = ask(district, district.carol, case, due_date)

        assert_refused(response, 400, "extension_date")
        assert not ExtensionRequest.objects.filter(case_id=case.pk).exists()

    def test_it_follows_the_official_calendar_for_the_requested_day(self, district):
        # Filed Mon 14 Sep 09:00: Sep 15 (1), 16 (2), 17 (3), 18 (4), Sun 20 (5, make-up), 21 (6), Tue 22 (7).
        case = carols_case(district, at(2026, 9, 14, 9))
        assert detail(district, district.carol, case)["resolution_due_at"] == "2026-09-22T17:30:00+08:00"

        with travel(at(2026, 9, 15, 10)):
            holiday = ask(district, district.carol, case, "2026-10-05")  # a Monday of the National Day week
            make_up_saturday = ask(district, district.carol, case, "2026-10-10")

        assert_refused(holiday, 400, "extension_date")
        assert make_up_saturday.status_code == 201, make_up_saturday.data
        assert make_up_saturday.data["requested_due_at"] == "2026-10-10T17:30:00+08:00"

    def test_it_lets_only_the_assignee_ask(self, district):
        case = carols_case(district)

        with travel(TUESDAY_10):
            by_head = ask(district, district.hank, case, "2026-12-02")
            by_supervisor = ask(district, district.sam, case, "2026-12-02")
            by_other_enterprise = ask(district, district.bob, case, "2026-12-02")
            by_enterprise = ask(district, district.alice, case, "2026-12-02")

        assert_refused(by_head, 403, "not_assignee")
        assert_refused(by_supervisor, 403, "not_assignee")
        assert_refused(by_other_enterprise, 404)
        assert_refused(by_enterprise, 403, "not_assignee")
        assert not ExtensionRequest.objects.exists()

    def test_it_refuses_a_request_on_a_case_that_is_no_longer_worked(self, district):
        case = carols_case(district)
        with travel(TUESDAY_10):
            resolved = act(
                district, district.carol, case, "resolve", {"resolution_type": "solved", "reply": "已修复。"}
            )
        assert resolved.status_code == 200, resolved.data

        with travel(WEDNESDAY_10):
            response = ask(district, district.carol, case, "2026-12-02")

        assert_refused(response, 409, "invalid_state")


class TestDeciding:
    def test_it_moves_the_deadline_when_the_supervisor_approves(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")
        [old] = resolution_cycles(case)

        with travel(WEDNESDAY_10):
            response = decide(district, district.sam, extension_id, "approve", "同意延期。")

        assert response.status_code == 200, response.data
        assert response.data["state"] == "approved"
        assert response.data["decided_by"]["username"] == "sam"
        # The enterprise sees the new deadline too.
        assert detail(district, district.alice, case)["resolution_due_at"] == "2026-12-02T17:30:00+08:00"
        old, new = resolution_cycles(case)
        assert (old.ended_at, old.outcome, old.breached) == (WEDNESDAY_10, "extended", False)
        # Thu 19 .. Wed 2 Dec: 19, 20, 23, 24, 25, 26, 27, 30, 1, 2 = 10 working days.
        assert (new.started_by, new.due_at, new.workdays, new.ended_at) == (
            "extension",
            at(2026, 12, 2, 17, 30),
            10,
            None,
        )
        assert (new.responsible, new.unit) == (district.carol, district.industry)
        event = CaseEvent.objects.filter(case_id=case.pk, action="extension-decision").get()
        assert (event.actor, event.data["approved"]) == (district.sam, True)
        assert notified(case, "extension_decided") == ["carol"]
        assert logged(ExtensionRequest.objects.get(pk=extension_id)) == [
            ("approve", "pending", "approved", "sam", "同意延期。")
        ]

    def test_it_counts_the_old_deadline_as_missed_when_the_approval_comes_after_it(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")

        # Due Wed 25 17:30; approved on Thursday.
        with travel(at(2026, 11, 26, 10)):
            response = decide(district, district.sam, extension_id, "approve")

        assert response.status_code == 200, response.data
        old, new = resolution_cycles(case)
        assert (old.outcome, old.breached) == ("extended", True)
        assert (new.due_at, new.breached) == (at(2026, 12, 2, 17, 30), False)

    def test_it_needs_a_reason_to_reject_and_then_leaves_the_deadline(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")

        with travel(WEDNESDAY_10):
            without_note = decide(district, district.sam, extension_id, "reject")
            blank_note = decide(district, district.sam, extension_id, "reject", "   ")
        assert_refused(without_note, 400)
        assert_refused(blank_note, 400)
        assert ExtensionRequest.objects.get(pk=extension_id).state == "pending"

        with travel(WEDNESDAY_10):
            response = decide(district, district.sam, extension_id, "reject", "理由不充分，请按期办结。")

        assert response.status_code == 200, response.data
        assert (response.data["state"], response.data["decision_note"]) == ("rejected", "理由不充分，请按期办结。")
        assert detail(district, district.carol, case)["resolution_due_at"] == "2026-11-25T17:30:00+08:00"
        [cycle] = resolution_cycles(case)
        assert cycle.ended_at is None
        assert notified(case, "extension_decided") == ["carol"]
        assert logged(ExtensionRequest.objects.get(pk=extension_id)) == [
            ("reject", "pending", "rejected", "sam", "理由不充分，请按期办结。")
        ]

    def test_it_keeps_a_rejected_request_out_of_the_enterprises_timeline(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")
        with travel(WEDNESDAY_10):
            response = decide(district, district.sam, extension_id, "reject", "理由不充分，请按期办结。")
        assert response.status_code == 200, response.data

        events = detail(district, district.alice, case)["events"]

        # The request was internal; so is the supervisor's answer to it.
        assert [event["action"] for event in events if event["action"].startswith("extension")] == []
        assert "理由不充分" not in str(events)

    def test_it_lets_only_a_supervisor_decide_under_the_default_policy(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")

        with travel(WEDNESDAY_10):
            by_head = decide(district, district.hank, extension_id, "approve")
            by_requester = decide(district, district.carol, extension_id, "approve")
            by_other_supervisor = decide(district, district.otto, extension_id, "approve")
            by_other_cadre = decide(district, district.dave, extension_id, "approve")

        assert_refused(by_head, 403, "not_decider")
        assert_refused(by_requester, 403, "not_decider")
        assert_refused(by_other_supervisor, 404)
        assert_refused(by_other_cadre, 404)
        assert ExtensionRequest.objects.get(pk=extension_id).state == "pending"
        assert logged(ExtensionRequest.objects.get(pk=extension_id)) == []
        assert detail(district, district.carol, case)["resolution_due_at"] == "2026-11-25T17:30:00+08:00"

    def test_it_lets_the_unit_head_decide_where_the_policy_allows(self, district):
        DeadlinePolicy.objects.filter(category__isnull=True, complexity="ordinary").update(
            unit_head_decides_extensions=True
        )
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")
        assert notified(case, "extension_requested") == ["hank", "sam"]

        with travel(WEDNESDAY_10):
            response = decide(district, district.hank, extension_id, "approve")

        assert response.status_code == 200, response.data
        assert response.data["decided_by"]["username"] == "hank"
        assert logged(ExtensionRequest.objects.get(pk=extension_id)) == [("approve", "pending", "approved", "hank", "")]
        assert detail(district, district.carol, case)["resolution_due_at"] == "2026-12-02T17:30:00+08:00"

    @pytest.mark.parametrize("second", ["approve", "reject"])
    def test_it_refuses_to_decide_twice(self, district, second):
        case = carols_case(district)
        extension_id = approved(district, case, "2026-12-02")

        with travel(WEDNESDAY_10):
            response = decide(district, district.sam, extension_id, second, "再次处理。")

        assert_refused(response, 409, "extension_decided")
        assert ExtensionRequest.objects.get(pk=extension_id).state == "approved"
        assert [transition for transition, *_rest in logged(ExtensionRequest.objects.get(pk=extension_id))] == [
            "approve"
        ]
        assert len(resolution_cycles(case)) == 2
        assert CaseEvent.objects.filter(case_id=case.pk, action="extension-decision").count() == 1

    def test_it_lapses_a_pending_request_when_the_case_is_resolved(self, district):
        case = carols_case(district)
        extension_id = asked(district, case, "2026-12-02")

        with travel(WEDNESDAY_10):
            resolved = act(
                district, district.carol, case, "resolve", {"resolution_type": "solved", "reply": "已修复。"}
            )
        assert resolved.status_code == 200, resolved.data

        extension = district.client(district.sam).get(f"{EXTENSIONS_URL}{extension_id}/").data
        assert extension["state"] == "lapsed"
        assert extension["decided_at"] == "2026-11-18T10:00:00+08:00"
        assert logged(ExtensionRequest.objects.get(pk=extension_id)) == [
            ("lapse", "pending", "lapsed", "carol", "resolve")
        ]
        with travel(at(2026, 11, 19, 10)):
            late_approval = decide(district, district.sam, extension_id, "approve")
        assert_refused(late_approval, 409, "extension_decided")
        body = detail(district, district.alice, case)
        assert (body["state"], body["resolution_due_at"]) == (CaseState.RESOLVED, None)
        # Thu 19 (1), Fri 20 (2), Mon 23 (3), Tue 24 (4), Wed 25 (5).
        assert body["confirmation_due_at"] == "2026-11-25T17:30:00+08:00"

    def test_it_keeps_an_approved_date_when_the_years_schedule_is_imported(self, district, tmp_path):
        # Filed Thu 10 Dec 2026: 7 working days end Mon 21 Dec.
        case = carols_case(district, at(2026, 12, 10, 9))
        approved(district, case, "2027-01-15", at(2026, 12, 10, 10))
        assert detail(district, district.alice, case)["resolution_due_at"] == "2027-01-15T17:30:00+08:00"
        schedule = tmp_path / "2027.csv"
        schedule.write_text("date,type,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")

        with travel(at(2026, 12, 11, 10)):
            call_command("import_holidays", str(schedule), "--year", "2027", stdout=StringIO())

        # The supervisor granted Friday 15 January; the enterprise was told so.
        body = detail(district, district.alice, case)
        assert (body["resolution_due_at"], body["deadlines_provisional"]) == ("2027-01-15T17:30:00+08:00", False)


class TestVersion:
    def test_it_keeps_the_assignees_open_copy_current_after_asking(self, district):
        case = carols_case(district)
        seen = detail(district, district.carol, case)["version"]
        asked(district, case, "2026-12-02")

        # Asking changes nothing carol sees on the case, so the page she has open still works;
        # resolving lapses the pending request.
        with travel(WEDNESDAY_10):
            response = act(
                district,
                district.carol,
                case,
                "resolve",
                {"resolution_type": "solved", "reply": "已修复。", "version": seen},
            )
        assert response.status_code == 200, response.data
        assert ExtensionRequest.objects.get(case_id=case.pk).state == "lapsed"

    def test_it_makes_an_open_copy_stale_once_the_deadline_moves(self, district):
        case = carols_case(district)
        seen = detail(district, district.carol, case)["version"]
        approved(district, case, "2026-12-02")
        with travel(WEDNESDAY_10):
            stale = act(
                district,
                district.carol,
                case,
                "resolve",
                {"resolution_type": "solved", "reply": "已修复。", "version": seen},
            )
        assert_refused(stale, 409, "stale_case")
        assert reload(case).state == CaseState.ASSIGNED


def test_it_finds_the_deciders_in_the_same_number_of_queries_however_many_officials_there_are(district):
    def officials(count: int) -> None:
        for number in range(count):
            unit = Unit.objects.create(name=f"科室{len(Unit.objects.all())}-{number}", kind=UnitKind.BUREAU)
            for role in (Role.SUPERVISOR, Role.UNIT_HEAD):
                user = get_user_model().objects.create_user(f"{role}-{unit.pk}")
                UnitMembership.objects.create(user=user, unit=unit, role=role)

    def queries_to_ask(case: Case, due_date: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert ask(district, district.carol, case, due_date).status_code == 201
        return len(queries)

    with travel(TUESDAY_10):
        queries_to_ask(carols_case(district), "2026-12-02")  # loads carol's roles once
        officials(1)
        few = queries_to_ask(carols_case(district), "2026-12-02")
        officials(10)
        many = queries_to_ask(carols_case(district), "2026-12-02")

    assert few == many
    assert notified(Case.objects.latest("pk"), "extension_requested") == ["sam"]


def test_it_lists_requests_newest_first_counted_by_the_pages_own_query(district, django_assert_num_queries):
    first = approved(district, carols_case(district), "2026-12-02")
    second = asked(district, carols_case(district), "2026-12-03", moment=WEDNESDAY_10)
    sam = district.client(district.sam)
    sam.get(EXTENSIONS_URL)  # loads sam's roles once

    # One query: the page, with the number of every request.
    with django_assert_num_queries(1):
        listing = sam.get(EXTENSIONS_URL).data
    assert (listing["count"], [row["id"] for row in listing["results"]]) == (2, [second, first])
    assert listing["results"][1]["decided_by"] == {"id": district.sam.pk, "username": "sam", "name": "孙明"}
    with django_assert_num_queries(1):
        later = sam.get(EXTENSIONS_URL, {"page_size": 1, "page": 2}).data
    assert (later["count"], [row["id"] for row in later["results"]]) == (2, [first])
    assert sam.get(EXTENSIONS_URL, {"page_size": 1, "page": 3}).status_code == 404
    pending = sam.get(EXTENSIONS_URL, {"state": "pending"}).data
    assert (pending["count"], [row["id"] for row in pending["results"]]) == (1, [second])
    # The head of carol's unit sees them in the same order, counted unit by unit in the same query, filtered alike.
    hank = district.client(district.hank)
    hank.get(EXTENSIONS_URL)
    with django_assert_num_queries(1):
        headed = hank.get(EXTENSIONS_URL).data
    assert (headed["count"], [row["id"] for row in headed["results"]]) == (2, [second, first])
    pending = hank.get(EXTENSIONS_URL, {"state": "pending"}).data
    assert (pending["count"], [row["id"] for row in pending["results"]]) == (1, [second])
