"""Every transition of a case through the API: who may do it, from which state, and what it leaves behind.

For each action: the allowed path (new state, the fields it sets, the version,
what the next person is offered), the wrong state (409, nothing changed), the
wrong person (403 when they see the case, 404 when they do not), the event row,
the notification and a stale ``version`` (409 stale_case).
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseState, Closure, ResolutionType
from enterprises.services import service_assignment_change
from notifications.models import Notification

from .helpers import (
    CASES_URL,
    accepted_case,
    act,
    actions_of,
    assigned_case,
    closed_case,
    closed_hongda_case,
    dispatch_only_category,
    events_since,
    notifications_since,
    notified,
    opened_case,
    reload,
    reopened,
    resolved_case,
    routed_case,
    snapshot,
    withdrawn_case,
)

pytestmark = pytest.mark.django_db

# Pausing the clock (挂起) is the assignee's too: docs/deadlines.md.
ASSIGNEE_ACTIONS = {"accept", "send-back", "resolve", "pause"}


def assert_refused(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.data
    assert set(response.data) >= {"code", "message"}
    assert response.data["message"]
    if code is not None:
        assert response.data["code"] == code


def assert_unchanged(case: Case, before) -> None:
    assert snapshot(case) == before


def only_event(case: Case, before) -> CaseEvent:
    events = events_since(case, before)
    assert len(events) == 1, [event.action for event in events]
    return events[0]


def file_case(district, user, **body):
    return district.client(user).post(CASES_URL, body, format="json")


def filing(district, **overrides) -> dict:
    return {
        "category": district.infrastructure.pk,
        "title": "厂区道路破损",
        "description": "运输车辆无法通行，影响正常出货。",
        **overrides,
    }


class TestFile:
    def test_it_files_for_the_own_enterprise_and_routes_to_the_serving_cadre(self, district):
        response = file_case(district, district.alice, **filing(district))

        assert response.status_code == 201, response.data
        body = response.data
        assert re.fullmatch(r"QY-\d{4}-\d{6}", body["number"])
        assert body["state"] == CaseState.ASSIGNED
        assert body["enterprise"]["id"] == district.yixin.pk
        assert body["filed_by"]["username"] == "alice"
        assert body["assignee"]["username"] == "carol"
        assert body["responsible_unit"]["id"] == district.industry.pk
        assert body["assigned_at"] is not None
        assert body["accepted_at"] is None
        assert body["version"] == 2
        assert body["available_actions"] == ["withdraw"]

    def test_it_records_the_filing_and_the_automatic_assignment(self, district):
        response = file_case(district, district.alice, **filing(district))

        events = list(CaseEvent.objects.filter(case_id=response.data["id"]).order_by("id"))
        assert [(e.action, e.actor, e.from_state, e.to_state) for e in events] == [
            ("file", district.alice, "", CaseState.OPENED),
            ("assign", None, CaseState.OPENED, CaseState.ASSIGNED),
        ]
        assert events[1].data["automatic"] is True
        assert events[1].data["assignee"] == "carol"

    def test_it_notifies_the_serving_cadre_of_the_automatic_assignment(self, district):
        response = file_case(district, district.alice, **filing(district))

        case = Case.objects.get(pk=response.data["id"])
        assert notified(case, "case_assigned") == ["carol"]
        assert Notification.objects.filter(about=f"case:{case.pk}").count() == 1

    def test_it_offers_the_serving_cadre_the_actions_of_an_assignee(self, district):
        response = file_case(district, district.alice, **filing(district))

        case = Case.objects.get(pk=response.data["id"])
        assert actions_of(district, district.carol, case) == ASSIGNEE_ACTIONS
        assert actions_of(district, district.dora, case) == {"reassign"}

    def test_it_leaves_the_case_for_the_dispatcher_when_the_category_does_not_route(self, district):
        response = file_case(district, district.alice, **filing(district, category=dispatch_only_category().pk))

        assert response.status_code == 201, response.data
        assert response.data["state"] == CaseState.OPENED
        assert response.data["assignee"] is None
        assert response.data["version"] == 1
        case = Case.objects.get(pk=response.data["id"])
        assert list(case.events.values_list("action", flat=True)) == ["file"]
        assert Notification.objects.filter(about=f"case:{case.pk}").count() == 0
        assert actions_of(district, district.dora, case) == {"assign"}

    def test_it_leaves_the_case_for_the_dispatcher_when_the_enterprise_has_no_serving_cadre(self, district):
        response = file_case(district, district.bob, **filing(district))

        assert response.status_code == 201, response.data
        assert response.data["state"] == CaseState.OPENED
        assert response.data["enterprise"]["id"] == district.hongda.pk
        assert response.data["available_actions"] == ["withdraw"]

    def test_it_lets_a_serving_cadre_file_for_the_enterprise(self, district):
        response = file_case(district, district.carol, **filing(district, enterprise=district.yixin.pk))

        assert response.status_code == 201, response.data
        assert response.data["enterprise"]["id"] == district.yixin.pk
        assert response.data["filed_by"]["username"] == "carol"
        assert response.data["assignee"]["username"] == "carol"

    def test_it_lets_the_leader_who_serves_the_enterprise_file_on_its_behalf(self, district):
        """三级包保: the leader (包保领导) serves the enterprise as the cadre does, and files for it the same way."""
        response = file_case(district, district.leo, **filing(district, enterprise=district.yixin.pk))

        assert response.status_code == 201, response.data
        assert response.data["enterprise"]["id"] == district.yixin.pk
        assert response.data["filed_by"]["username"] == "leo"
        assert response.data["assignee"]["username"] == "carol"
        assert [row["id"] for row in district.client(district.alice).get(CASES_URL).data["results"]] == [
            response.data["id"]
        ]

    def test_it_lets_the_local_contact_who_serves_the_enterprise_file_on_its_behalf(self, district):
        tina = get_user_model().objects.create_user(username="tina", first_name="田娜")
        service_assignment_change(
            enterprise=district.yixin,
            unit=district.industry,
            cadre=district.carol,
            leader=district.leo,
            local_contact=tina,
        )

        response = file_case(district, tina, **filing(district, enterprise=district.yixin.pk))

        assert response.status_code == 201, response.data
        assert response.data["filed_by"]["username"] == "tina"

    def test_it_refuses_a_leader_once_another_leader_serves_the_enterprise(self, district):
        service_assignment_change(enterprise=district.yixin, unit=district.industry, cadre=district.carol)

        response = file_case(district, district.leo, **filing(district, enterprise=district.yixin.pk))

        assert_refused(response, 400)
        assert "enterprise" in response.data["fields"]
        assert not Case.objects.exists()

    @pytest.mark.parametrize("person", ["bob", "dave"])
    def test_it_refuses_to_file_for_an_enterprise_the_user_does_not_act_for(self, district, person):
        response = file_case(district, getattr(district, person), **filing(district, enterprise=district.yixin.pk))

        assert_refused(response, 400)
        assert "enterprise" in response.data["fields"]
        assert not Case.objects.filter(enterprise=district.yixin).exists()

    @pytest.mark.parametrize("missing", ["category", "title", "description"])
    def test_it_requires_a_category_a_title_and_a_description(self, district, missing):
        body = filing(district)
        del body[missing]

        response = file_case(district, district.alice, **body)

        assert_refused(response, 400, "invalid")
        assert missing in response.data["fields"]
        assert not Case.objects.exists()

    def test_it_refuses_a_title_of_only_spaces(self, district):
        response = file_case(district, district.alice, **filing(district, title="   "))

        assert_refused(response, 400)
        assert "title" in response.data["fields"]
        assert not Case.objects.exists()

    def test_it_files_a_follow_up_of_a_closed_case_of_the_same_enterprise(self, district):
        earlier = closed_case(district)

        response = file_case(district, district.alice, **filing(district, follows_up=earlier.pk))

        assert response.status_code == 201, response.data
        assert response.data["follows_up"] == {"id": earlier.pk, "number": earlier.number}
        filed = CaseEvent.objects.get(case_id=response.data["id"], action="file")
        assert filed.data == {"follows_up": earlier.number}

    def test_it_refuses_a_follow_up_of_a_case_that_is_still_open(self, district):
        earlier = resolved_case(district)

        response = file_case(district, district.alice, **filing(district, follows_up=earlier.pk))

        assert_refused(response, 400, "follow_up_invalid")
        assert "follows_up" in response.data["fields"]
        assert Case.objects.count() == 1

    def test_it_refuses_a_follow_up_of_another_enterprises_case(self, district):
        theirs = closed_hongda_case(district)

        response = file_case(district, district.alice, **filing(district, follows_up=theirs.pk))

        assert_refused(response, 400)
        assert "follows_up" in response.data["fields"]
        assert Case.objects.count() == 1


class TestAssign:
    def body(self, district, **overrides) -> dict:
        return {"assignee": district.carol.pk, "unit": district.industry.pk, "note": "请三日内联系企业。", **overrides}

    @pytest.mark.parametrize(("person", "offered"), [("dora", ["reassign"]), ("sam", ["reassign", "urge"])])
    def test_it_routes_an_opened_case_to_a_cadre_of_a_unit(self, district, person, offered):
        case = opened_case(district)

        response = act(district, getattr(district, person), case, "assign", self.body(district))

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.ASSIGNED
        assert response.data["assignee"]["username"] == "carol"
        assert response.data["responsible_unit"]["id"] == district.industry.pk
        assert response.data["assigned_at"] is not None
        assert response.data["accepted_at"] is None
        assert response.data["version"] == case.version + 1
        assert response.data["available_actions"] == offered
        assert actions_of(district, district.carol, case) == ASSIGNEE_ACTIONS

    def test_it_records_who_routed_the_case_to_whom(self, district):
        case = opened_case(district)
        before = snapshot(case)

        act(district, district.dora, case, "assign", self.body(district))

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            "assign",
            district.dora,
            CaseState.OPENED,
            CaseState.ASSIGNED,
        )
        assert event.note == "请三日内联系企业。"
        assert event.data == {"assignee": "carol", "unit": district.industry.name}

    def test_it_notifies_the_assignee(self, district):
        case = opened_case(district)
        before = snapshot(case)

        act(district, district.dora, case, "assign", self.body(district))

        assert notifications_since(case, before) == [("case_assigned", "carol")]

    def test_it_stores_the_deadlines_the_dispatcher_sets(self, district):
        case = opened_case(district)
        respond_by = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
        resolve_by = respond_by + timedelta(days=7)

        response = act(
            district,
            district.dora,
            case,
            "assign",
            self.body(district, response_due_at=respond_by.isoformat(), resolution_due_at=resolve_by.isoformat()),
        )

        assert response.status_code == 200, response.data
        fresh = reload(case)
        assert (fresh.response_due_at, fresh.resolution_due_at) == (respond_by, resolve_by)

    def test_it_refuses_a_resolution_deadline_before_the_response_deadline(self, district):
        case = opened_case(district)
        before = snapshot(case)
        respond_by = timezone.now() + timedelta(days=7)
        body = self.body(
            district,
            response_due_at=respond_by.isoformat(),
            resolution_due_at=(respond_by - timedelta(days=2)).isoformat(),
        )

        response = act(district, district.dora, case, "assign", body)

        assert_refused(response, 400, "deadline_order")
        assert_unchanged(case, before)

    def test_it_routes_a_returned_case_again(self, district):
        case = assigned_case(district)
        act(district, district.carol, case, "send-back", {"reason": "不属于本局职责。"})

        response = act(
            district,
            district.dora,
            case,
            "assign",
            self.body(district, assignee=district.dave.pk, unit=district.commerce.pk),
        )

        assert response.status_code == 200, response.data
        assert response.data["assignee"]["username"] == "dave"
        assert response.data["is_returned"] is False

    def test_it_refuses_an_assignee_who_is_not_a_member_of_the_unit(self, district):
        case = opened_case(district)
        before = snapshot(case)

        response = act(district, district.dora, case, "assign", self.body(district, assignee=district.dave.pk))

        assert_refused(response, 400, "assignee_not_in_unit")
        assert "assignee" in response.data["fields"]
        assert_unchanged(case, before)

    def test_it_refuses_to_assign_a_case_that_is_already_assigned(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.dora, case, "assign", self.body(district, assignee=district.hank.pk))

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)
        assert reload(case).assignee == district.carol

    @pytest.mark.parametrize("person", ["alice", "carol", "leo"])
    def test_it_forbids_routing_to_someone_who_sees_the_case(self, district, person):
        case = opened_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "assign", self.body(district))

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "hank", "dave"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = opened_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "assign", self.body(district))

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestAccept:
    def test_it_lets_the_assignee_sign_for_the_case(self, district):
        case = assigned_case(district)

        response = act(district, district.carol, case, "accept")

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.ASSIGNED
        assert response.data["accepted_at"] is not None
        assert response.data["assignee"]["username"] == "carol"
        assert response.data["version"] == case.version + 1
        assert set(response.data["available_actions"]) == {"send-back", "resolve", "pause"}

    def test_it_records_the_signature(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.carol, case, "accept")

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "accept",
            district.carol,
            CaseState.ASSIGNED,
            CaseState.ASSIGNED,
            "",
        )

    def test_it_refuses_a_second_signature(self, district):
        case = accepted_case(district)
        before = snapshot(case)

        response = act(district, district.carol, case, "accept")

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    def test_it_refuses_to_sign_for_a_resolved_case(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, district.carol, case, "accept")

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["hank", "dora", "sam", "alice"])
    def test_it_forbids_anyone_but_the_assignee_who_sees_the_case(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "accept")

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla", "dave"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "accept")

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestSendBack:
    REASON = {"reason": "属于商务局职责，请重新分派。"}

    def test_it_returns_the_case_to_the_dispatcher(self, district):
        case = accepted_case(district)

        response = act(district, district.carol, case, "send-back", self.REASON)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.OPENED
        assert response.data["assignee"] is None
        assert response.data["responsible_unit"] is None
        assert response.data["assigned_at"] is None
        assert response.data["accepted_at"] is None
        assert response.data["is_returned"] is True
        assert response.data["version"] == case.version + 1
        assert response.data["available_actions"] == []
        assert actions_of(district, district.dora, case) == {"assign"}
        assert actions_of(district, district.alice, case) == {"withdraw"}

    def test_it_records_the_reason_as_an_internal_event(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.carol, case, "send-back", self.REASON)

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "send-back",
            district.carol,
            CaseState.ASSIGNED,
            CaseState.OPENED,
            self.REASON["reason"],
        )
        seen_by_alice = district.client(district.alice).get(f"{CASES_URL}{case.pk}/").data["events"]
        assert "send-back" not in [row["action"] for row in seen_by_alice]

    def test_it_notifies_the_dispatchers(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.carol, case, "send-back", self.REASON)

        assert notifications_since(case, before) == [("case_sent_back", "dora")]

    def test_it_lets_an_assignee_who_does_not_serve_the_enterprise_send_back(self, district):
        case = routed_case(
            district, by=district.bob, enterprise=district.hongda, assignee=district.dave, unit=district.commerce
        )

        response = act(district, district.dave, case, "send-back", self.REASON)

        # The case is sent back either way; dave must be told so, not that the case does not exist.
        assert reload(case).state == CaseState.OPENED
        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.OPENED
        assert response.data["available_actions"] == []

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_it_requires_a_reason(self, district, reason):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.carol, case, "send-back", {"reason": reason})

        assert_refused(response, 400)
        assert "reason" in response.data["fields"]
        assert_unchanged(case, before)

    def test_it_refuses_to_send_back_a_resolved_case(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, district.carol, case, "send-back", self.REASON)

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["hank", "dora", "sam", "alice"])
    def test_it_forbids_anyone_but_the_assignee_who_sees_the_case(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "send-back", self.REASON)

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "send-back", self.REASON)

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestReassign:
    def to_carla(self, district, **overrides) -> dict:
        return {"assignee": district.carla.pk, "unit": district.industry_office.pk, "note": "转科室办理。", **overrides}

    @pytest.mark.parametrize("person", ["dora", "sam", "hank"])
    def test_it_hands_the_case_to_another_cadre_who_signs_for_it_anew(self, district, person):
        case = accepted_case(district)

        response = act(district, getattr(district, person), case, "reassign", self.to_carla(district))

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.ASSIGNED
        assert response.data["assignee"]["username"] == "carla"
        assert response.data["responsible_unit"]["id"] == district.industry_office.pk
        assert response.data["accepted_at"] is None
        assert response.data["version"] == case.version + 1
        assert actions_of(district, district.carla, case) == ASSIGNEE_ACTIONS
        assert actions_of(district, district.carol, case) == set()

    def test_it_lets_a_supervisor_move_the_case_to_another_unit(self, district):
        case = assigned_case(district)

        response = act(
            district, district.sam, case, "reassign", {"assignee": district.dave.pk, "unit": district.commerce.pk}
        )

        assert response.status_code == 200, response.data
        assert response.data["assignee"]["username"] == "dave"
        assert response.data["responsible_unit"]["id"] == district.commerce.pk

    def test_it_keeps_the_unit_when_none_is_given(self, district):
        case = assigned_case(district)

        response = act(district, district.hank, case, "reassign", {"assignee": district.hank.pk})

        assert response.status_code == 200, response.data
        assert response.data["assignee"]["username"] == "hank"
        assert response.data["responsible_unit"]["id"] == district.industry.pk

    def test_it_records_the_handover_as_an_internal_event(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.hank, case, "reassign", self.to_carla(district))

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "reassign",
            district.hank,
            CaseState.ASSIGNED,
            CaseState.ASSIGNED,
            "转科室办理。",
        )
        assert event.data == {"from": "carol", "assignee": "carla", "unit": district.industry_office.name}
        assert event.is_internal is True

    def test_it_notifies_the_new_assignee(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.hank, case, "reassign", self.to_carla(district))

        assert notifications_since(case, before) == [("case_assigned", "carla")]

    def test_it_forbids_a_unit_head_to_reassign_outside_their_units(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(
            district, district.hank, case, "reassign", {"assignee": district.dave.pk, "unit": district.commerce.pk}
        )

        assert_refused(response, 403, "outside_unit")
        assert_unchanged(case, before)

    def test_it_refuses_an_assignee_who_is_not_a_member_of_the_unit(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.dora, case, "reassign", {"assignee": district.carla.pk})

        assert_refused(response, 400, "assignee_not_in_unit")
        assert "assignee" in response.data["fields"]
        assert_unchanged(case, before)

    def test_it_refuses_to_reassign_a_resolved_case(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, district.dora, case, "reassign", self.to_carla(district))

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    def test_it_refuses_to_reassign_an_opened_case(self, district):
        case = opened_case(district)
        before = snapshot(case)

        response = act(district, district.dora, case, "reassign", self.to_carla(district))

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    def test_it_refuses_to_reassign_a_returned_case_when_only_the_cadre_is_chosen(self, district):
        # The unit is optional for reassign; the refusal must be about the state, not a missing unit.
        case = assigned_case(district)
        act(district, district.carol, case, "send-back", {"reason": "不属于本局职责。"})
        before = snapshot(case)

        response = act(district, district.dora, case, "reassign", {"assignee": district.carol.pk})

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["carol", "alice", "leo"])
    def test_it_forbids_someone_who_sees_the_case_but_does_not_route(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "reassign", self.to_carla(district))

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "reassign", self.to_carla(district))

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestResolve:
    REPLY = {"resolution_type": ResolutionType.SOLVED, "reply": "已协调交通局，道路本周修复。"}

    @pytest.mark.parametrize("person", ["carol", "hank"])
    def test_it_answers_the_enterprise(self, district, person):
        case = assigned_case(district)

        response = act(district, getattr(district, person), case, "resolve", self.REPLY)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.RESOLVED
        assert response.data["resolution_type"] == ResolutionType.SOLVED
        assert response.data["reply"] == self.REPLY["reply"]
        assert response.data["resolved_at"] is not None
        assert response.data["accepted_at"] == response.data["resolved_at"]
        assert response.data["version"] == case.version + 1
        assert response.data["available_actions"] == []
        assert actions_of(district, district.alice, case) == {"reopen", "close"}
        assert actions_of(district, district.sam, case) == {"reopen", "close"}

    def test_it_keeps_the_earlier_signature(self, district):
        case = accepted_case(district)

        response = act(district, district.carol, case, "resolve", self.REPLY)

        assert response.status_code == 200, response.data
        fresh = reload(case)
        assert fresh.accepted_at == case.accepted_at
        assert fresh.accepted_at < fresh.resolved_at

    def test_it_records_the_reply(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.carol, case, "resolve", self.REPLY)

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "resolve",
            district.carol,
            CaseState.ASSIGNED,
            CaseState.RESOLVED,
            self.REPLY["reply"],
        )
        assert event.data == {"resolution_type": ResolutionType.SOLVED}

    def test_it_notifies_the_enterprise(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        act(district, district.carol, case, "resolve", self.REPLY)

        assert notifications_since(case, before) == [("case_resolved", "alice")]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"resolution_type": "magic", "reply": "已办结。"}, "resolution_type"),
            ({"reply": "已办结。"}, "resolution_type"),
            ({"resolution_type": ResolutionType.SOLVED, "reply": "  "}, "reply"),
        ],
    )
    def test_it_requires_a_resolution_type_and_a_reply(self, district, body, field):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.carol, case, "resolve", body)

        assert_refused(response, 400)
        assert field in response.data["fields"]
        assert_unchanged(case, before)

    @pytest.mark.parametrize("build", [opened_case, resolved_case])
    def test_it_refuses_to_resolve_a_case_that_is_not_assigned(self, district, build):
        case = build(district)
        before = snapshot(case)

        response = act(district, district.dora, case, "resolve", self.REPLY)

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["dora", "sam", "alice", "leo"])
    def test_it_forbids_anyone_but_the_assignee_and_the_unit_head(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "resolve", self.REPLY)

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla", "dave"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "resolve", self.REPLY)

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestReopen:
    REASON = {"reason": "道路仅临时修补，仍无法通行。"}

    def test_it_sends_the_case_back_to_the_same_assignee(self, district):
        case = resolved_case(district)

        response = act(district, district.alice, case, "reopen", self.REASON)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.ASSIGNED
        assert response.data["assignee"]["username"] == "carol"
        assert response.data["resolution_type"] == ""
        assert response.data["resolved_at"] is None
        assert response.data["enterprise_reopen_count"] == 1
        assert response.data["version"] == case.version + 1
        assert response.data["available_actions"] == ["withdraw"]
        assert actions_of(district, district.carol, case) == {"send-back", "resolve", "pause"}

    def test_it_records_the_rejection(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        act(district, district.alice, case, "reopen", self.REASON)

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "reopen",
            district.alice,
            CaseState.RESOLVED,
            CaseState.ASSIGNED,
            self.REASON["reason"],
        )

    def test_it_notifies_the_assignee(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        act(district, district.alice, case, "reopen", self.REASON)

        assert notifications_since(case, before) == [("case_reopened", "carol")]

    def test_it_forbids_the_enterprise_a_third_rejection(self, district):
        case = reopened(district, resolved_case(district), times=2)
        before = snapshot(case)
        assert actions_of(district, district.alice, case) == {"close"}

        response = act(district, district.alice, case, "reopen", self.REASON)

        assert_refused(response, 403)
        assert_unchanged(case, before)
        assert reload(case).enterprise_reopen_count == 2

    def test_it_lets_the_supervisor_reopen_after_the_enterprise_used_its_rejections(self, district):
        case = reopened(district, resolved_case(district), times=2)
        before = snapshot(case)

        response = act(district, district.sam, case, "reopen", self.REASON)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.ASSIGNED
        assert response.data["enterprise_reopen_count"] == 2
        assert only_event(case, before).actor == district.sam
        assert notifications_since(case, before) == [("case_reopened", "carol")]

    @pytest.mark.parametrize("reason", ["", "  "])
    def test_it_requires_a_reason(self, district, reason):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "reopen", {"reason": reason})

        assert_refused(response, 400)
        assert "reason" in response.data["fields"]
        assert_unchanged(case, before)

    def test_it_refuses_to_reopen_a_case_that_is_not_resolved(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "reopen", self.REASON)

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["carol", "dora", "hank", "leo"])
    def test_it_forbids_anyone_but_the_enterprise_and_the_supervisor(self, district, person):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "reopen", self.REASON)

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "reopen", self.REASON)

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestClose:
    RATING = {"satisfaction": 5, "comment": "处理及时，非常满意。"}

    def test_it_lets_the_enterprise_confirm_and_rate(self, district):
        case = resolved_case(district)

        response = act(district, district.alice, case, "close", self.RATING)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.CLOSED
        assert response.data["closure"] == Closure.CONFIRMED
        assert response.data["satisfaction"] == 5
        assert response.data["satisfaction_comment"] == self.RATING["comment"]
        assert response.data["closed_at"] is not None
        assert response.data["version"] == case.version + 1
        assert response.data["available_actions"] == []
        assert actions_of(district, district.carol, case) == set()
        assert actions_of(district, district.sam, case) == set()

    def test_it_lets_the_supervisor_close_without_a_rating(self, district):
        case = resolved_case(district)

        response = act(district, district.sam, case, "close")

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.CLOSED
        assert response.data["closure"] == Closure.BY_SUPERVISOR
        assert response.data["satisfaction"] is None

    def test_it_records_the_rating(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        act(district, district.alice, case, "close", self.RATING)

        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "close",
            district.alice,
            CaseState.RESOLVED,
            CaseState.CLOSED,
            self.RATING["comment"],
        )
        assert event.data == {"closure": Closure.CONFIRMED, "satisfaction": 5}

    def test_it_notifies_the_assignee(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        act(district, district.alice, case, "close", self.RATING)

        assert notifications_since(case, before) == [("case_closed", "carol")]

    @pytest.mark.parametrize("rating", [{}, {"satisfaction": None}, {"satisfaction": 0}, {"satisfaction": 6}])
    def test_it_requires_a_rating_from_1_to_5_from_the_enterprise(self, district, rating):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "close", rating)

        assert_refused(response, 400)
        assert "satisfaction" in response.data["fields"]
        assert_unchanged(case, before)

    def test_it_refuses_to_close_a_case_that_is_not_resolved(self, district):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "close", self.RATING)

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["carol", "dora", "hank", "leo"])
    def test_it_forbids_anyone_but_the_enterprise_and_the_supervisor(self, district, person):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "close", self.RATING)

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "close", self.RATING)

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


class TestWithdraw:
    REASON = {"reason": "企业已自行解决。"}

    def test_it_withdraws_an_opened_case(self, district):
        case = opened_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "withdraw", self.REASON)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.CLOSED
        assert response.data["closure"] == Closure.WITHDRAWN
        assert response.data["closed_at"] is not None
        assert response.data["version"] == case.version + 1
        assert response.data["available_actions"] == []
        assert actions_of(district, district.dora, case) == set()
        event = only_event(case, before)
        assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
            "withdraw",
            district.alice,
            CaseState.OPENED,
            CaseState.CLOSED,
            self.REASON["reason"],
        )
        assert notifications_since(case, before) == []

    def test_it_withdraws_an_assigned_case_and_tells_the_assignee(self, district):
        case = accepted_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "withdraw", self.REASON)

        assert response.status_code == 200, response.data
        assert response.data["state"] == CaseState.CLOSED
        assert response.data["closure"] == Closure.WITHDRAWN
        assert actions_of(district, district.carol, case) == set()
        event = only_event(case, before)
        assert (event.action, event.from_state, event.to_state) == ("withdraw", CaseState.ASSIGNED, CaseState.CLOSED)
        assert notifications_since(case, before) == [("case_withdrawn", "carol")]

    @pytest.mark.parametrize("reason", ["", "  "])
    def test_it_requires_a_reason(self, district, reason):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "withdraw", {"reason": reason})

        assert_refused(response, 400)
        assert "reason" in response.data["fields"]
        assert_unchanged(case, before)

    def test_it_refuses_to_withdraw_a_resolved_case(self, district):
        case = resolved_case(district)
        before = snapshot(case)

        response = act(district, district.alice, case, "withdraw", self.REASON)

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["carol", "dora", "sam", "hank"])
    def test_it_forbids_anyone_but_the_filing_enterprise(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "withdraw", self.REASON)

        assert_refused(response, 403)
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["bob", "otto", "carla"])
    def test_it_hides_the_case_from_someone_who_may_not_see_it(self, district, person):
        case = assigned_case(district)
        before = snapshot(case)

        response = act(district, getattr(district, person), case, "withdraw", self.REASON)

        assert_refused(response, 404, "not_found")
        assert_unchanged(case, before)


# Each action with the person who would normally take it and a valid body.
ATTEMPTS = {
    "assign": ("dora", lambda d: {"assignee": d.carol.pk, "unit": d.industry.pk}),
    "accept": ("carol", lambda d: {}),
    "send-back": ("carol", lambda d: {"reason": "不属于本局职责。"}),
    "reassign": ("dora", lambda d: {"assignee": d.carla.pk, "unit": d.industry_office.pk}),
    "resolve": ("carol", lambda d: {"resolution_type": ResolutionType.SOLVED, "reply": "已办结。"}),
    "reopen": ("alice", lambda d: {"reason": "仍未解决。"}),
    "close": ("alice", lambda d: {"satisfaction": 4}),
    "withdraw": ("alice", lambda d: {"reason": "不再需要。"}),
}

# For each action, a case in a state the action starts from.
READY_FOR = {
    "assign": opened_case,
    "accept": assigned_case,
    "send-back": assigned_case,
    "reassign": assigned_case,
    "resolve": assigned_case,
    "reopen": resolved_case,
    "close": resolved_case,
    "withdraw": assigned_case,
}


class TestClosedIsFinal:
    @pytest.mark.parametrize("build", [closed_case, withdrawn_case])
    @pytest.mark.parametrize("action", list(ATTEMPTS))
    def test_it_refuses_every_action_on_a_closed_case(self, district, action, build):
        case = build(district)
        before = snapshot(case)
        person, body = ATTEMPTS[action]

        response = act(district, getattr(district, person), case, action, body(district))

        assert_refused(response, 409, "invalid_state")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("person", ["alice", "carol", "dora", "sam", "hank", "leo"])
    def test_it_offers_no_action_on_a_closed_case(self, district, person):
        case = closed_case(district)

        assert actions_of(district, getattr(district, person), case) == set()


class TestVersion:
    @pytest.mark.parametrize("action", list(ATTEMPTS))
    def test_it_refuses_a_stale_version(self, district, action):
        case = READY_FOR[action](district)
        before = snapshot(case)
        person, body = ATTEMPTS[action]

        response = act(
            district, getattr(district, person), case, action, {**body(district), "version": case.version - 1}
        )

        assert_refused(response, 409, "stale_case")
        assert_unchanged(case, before)

    @pytest.mark.parametrize("action", list(ATTEMPTS))
    def test_it_accepts_the_current_version(self, district, action):
        case = READY_FOR[action](district)
        person, body = ATTEMPTS[action]

        response = act(district, getattr(district, person), case, action, {**body(district), "version": case.version})

        assert response.status_code == 200, response.data
        assert response.data["version"] == case.version + 1

    def test_it_refuses_to_resolve_a_case_that_was_handed_over_since_the_page_was_loaded(self, district):
        case = assigned_case(district)
        seen = district.client(district.carol).get(f"{CASES_URL}{case.pk}/").data["version"]
        act(
            district,
            district.hank,
            case,
            "reassign",
            {"assignee": district.carla.pk, "unit": district.industry_office.pk},
        )
        before = snapshot(case)

        response = act(
            district,
            district.hank,
            case,
            "resolve",
            {"resolution_type": ResolutionType.SOLVED, "reply": "已办结。", "version": seen},
        )

        assert_refused(response, 409, "stale_case")
        assert_unchanged(case, before)
        assert reload(case).assignee == district.carla


class TestLanguage:
    def test_it_explains_a_refusal_in_english_when_asked(self, district):
        case = assigned_case(district)

        response = act(
            district,
            district.dora,
            case,
            "assign",
            {"assignee": district.carol.pk, "unit": district.industry.pk},
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert_refused(response, 409, "invalid_state")
        assert response.data["message"] == "Only an opened case can be assigned."
