"""Appeals of ratings (申诉): who may appeal, within which window, once; the supervisor's decision;
and what an upheld appeal does to the satisfaction rate (and what it leaves on record).

The appeal window is 10 working days after the rating, ending 17:30 Asia/Shanghai. A rating on
Thursday 19 November 2026 may be appealed until Thursday 3 December 17:30 (20, 23–27, 30 November,
1–3 December). One on Wednesday 4 November until Wednesday 18 November 17:30.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent, EventAction
from core.tests.logs import logged
from supervision.ratings.models import Appeal, AppealState, Rectification, RectificationState
from workflow import services

from .helpers import APPEALS, at, post, rated_case, received, rectification_of, resolved_case, travel

pytestmark = pytest.mark.django_db

RATED = at(2026, 11, 19, 10)
NEXT_DAY = at(2026, 11, 20, 10)
RATES = "/api/v1/supervision/rates/"


def appeal(district, user, case: Case, *, kind: str = "malicious", when=NEXT_DAY, **headers):
    body = {"case": case.pk, "kind": kind, "reason": "企业因其他纠纷故意给出差评。"}
    return post(district, user, APPEALS, body, when=when, **headers)


def decide(district, user, appeal_id: int, decision: str, *, note: str = "经核实属实。", when=NEXT_DAY, **headers):
    body = {"decision": decision, "note": note}
    return post(district, user, f"{APPEALS}{appeal_id}/decide/", body, when=when, **headers)


@pytest.fixture
def bad(district) -> Case:
    """Alice rated carol's case 不满意 (2) on Thursday 19 November at 10:00."""
    return rated_case(district, 2, RATED)


def test_it_lets_the_assignee_appeal_a_bad_rating_and_tells_the_supervisors(district, bad):
    response = appeal(district, district.carol, bad)

    assert response.status_code == 201, response.data
    assert (response.data["state"], response.data["kind"], response.data["satisfaction"]) == ("pending", "malicious", 2)
    assert (response.data["unit"]["id"], response.data["filed_by"]["username"]) == (district.industry.pk, "carol")
    assert received("appeal_filed") == ["sam"]
    event = CaseEvent.objects.get(case=bad, action=EventAction.APPEAL)
    assert (event.actor, event.is_internal, event.data["kind"]) == (district.carol, True, "malicious")
    assert district.client(district.sam).get(f"{APPEALS}{response.data['id']}/").data["available_actions"] == ["decide"]


def test_it_lets_the_unit_head_appeal_too(district, bad):
    response = appeal(district, district.hank, bad, kind="mistaken")

    assert (response.status_code, response.data["kind"]) == (201, "mistaken")


def test_it_takes_appeals_until_the_end_of_the_tenth_working_day_after_the_rating(district, bad):
    late = rated_case(district, 1, RATED)

    last_minute = appeal(district, district.carol, bad, when=at(2026, 12, 3, 17, 0))
    too_late = appeal(district, district.carol, late, when=at(2026, 12, 4, 8, 30), HTTP_ACCEPT_LANGUAGE="en")

    assert last_minute.status_code == 201
    assert (too_late.status_code, too_late.data["code"]) == (409, "appeal_window_closed")
    assert too_late.data["message"] == "A rating can be appealed within 10 working days; that time has passed."
    assert not Appeal.objects.filter(case=late).exists()


def test_it_refuses_a_second_appeal_while_one_waits_and_after_a_decision(district, bad):
    first = appeal(district, district.carol, bad)
    waiting = appeal(district, district.hank, bad)
    decide(district, district.sam, first.data["id"], "reject")
    after_rejection = appeal(district, district.carol, bad, HTTP_ACCEPT_LANGUAGE="en")
    other = rated_case(district, 1, RATED)
    upheld = appeal(district, district.carol, other)
    decide(district, district.sam, upheld.data["id"], "uphold")
    after_upholding = appeal(district, district.carol, other)

    assert (waiting.status_code, waiting.data["code"]) == (409, "appeal_pending")
    assert (after_rejection.status_code, after_rejection.data["code"]) == (409, "appeal_rejected")
    assert after_rejection.data["message"] == "An appeal of this rating was rejected; it cannot be filed again."
    assert (after_upholding.status_code, after_upholding.data["code"]) == (409, "appeal_upheld")
    assert Appeal.objects.count() == 2


def test_it_refuses_ratings_that_are_not_bad_and_cases_without_a_rating(district):
    fair = rated_case(district, 3, RATED)
    with travel(RATED):
        by_supervisor = services.case_close(case=resolved_case(district), acting_user=district.sam)
        still_open = resolved_case(district)

    responses = [appeal(district, district.carol, case) for case in (fair, by_supervisor, still_open)]

    assert [(r.status_code, r.data["code"]) for r in responses] == [
        (409, "rating_not_bad"),
        (409, "no_rating"),
        (409, "no_rating"),
    ]
    assert Appeal.objects.count() == 0


def test_it_refuses_incomplete_appeals(district, bad):
    no_kind = post(district, district.carol, APPEALS, {"case": bad.pk, "reason": "差评不实。"}, when=NEXT_DAY)
    no_reason = post(
        district,
        district.carol,
        APPEALS,
        {"case": bad.pk, "kind": "mistaken"},
        when=NEXT_DAY,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (no_kind.status_code, no_kind.data["code"]) == (400, "kind")
    assert (no_reason.status_code, no_reason.data["message"]) == (400, "Say why the rating should not count.")
    assert Appeal.objects.count() == 0


def test_it_refuses_the_enterprise_every_appeal_address_in_its_language(district, bad):
    filed = appeal(district, district.carol, bad).data["id"]
    client = district.client(district.alice)

    answers = [
        appeal(district, district.alice, bad),
        client.get(APPEALS),
        client.get(f"{APPEALS}{filed}/"),
        decide(district, district.alice, filed, "uphold"),
        client.get(APPEALS, HTTP_ACCEPT_LANGUAGE="en"),
    ]

    assert [response.status_code for response in answers] == [403] * 5
    assert answers[1].data["message"] == "整改和申诉仅供机关工作人员使用。"
    assert answers[4].data["message"] == "Rectifications and appeals are for government officials."
    assert Appeal.objects.get(pk=filed).state == AppealState.PENDING


def test_it_hides_appeals_from_the_enterprise_other_units_and_other_districts(district, bad):
    filed = appeal(district, district.carol, bad).data["id"]

    for user in (district.dave, district.otto):
        client = district.client(user)
        assert appeal(district, user, bad).status_code == 404
        assert client.get(APPEALS).data["count"] == 0
        assert client.get(f"{APPEALS}{filed}/").status_code == 404
        assert decide(district, user, filed, "uphold").status_code == 404
    case_page = district.client(district.alice).get(f"/api/v1/cases/{bad.pk}/").data
    assert {EventAction.APPEAL, EventAction.APPEAL_DECISION}.isdisjoint(
        event["action"] for event in case_page["events"]
    )
    assert Appeal.objects.get(pk=filed).state == AppealState.PENDING


def test_it_lets_only_the_responsible_unit_appeal_and_only_a_supervisor_decide(district, bad):
    by_supervisor = appeal(district, district.sam, bad)
    by_leader = appeal(district, district.leo, bad)
    filed = appeal(district, district.carol, bad).data["id"]

    by_assignee = decide(district, district.carol, filed, "uphold")
    by_head = decide(district, district.hank, filed, "uphold")
    without_note = decide(district, district.sam, filed, "uphold", note="", HTTP_ACCEPT_LANGUAGE="en")

    assert (by_supervisor.status_code, by_supervisor.data["code"]) == (403, "not_responsible")
    assert by_leader.status_code == 403
    assert by_assignee.status_code == by_head.status_code == 403
    assert (without_note.status_code, without_note.data["message"]) == (400, "Give the reason for the decision.")
    assert Appeal.objects.get(pk=filed).state == AppealState.PENDING
    assert logged(Appeal.objects.get(pk=filed)) == []


def test_it_upholds_an_appeal_cancels_the_rectification_and_keeps_the_rating_on_record(district, bad):
    filed = appeal(district, district.carol, bad).data["id"]

    response = decide(district, district.sam, filed, "uphold", note="企业承认误操作。")
    again = decide(district, district.sam, filed, "reject")

    assert response.status_code == 200, response.data
    assert (response.data["state"], response.data["decision_note"]) == ("upheld", "企业承认误操作。")
    assert response.data["decided_by"]["username"] == "sam"
    assert (again.status_code, again.data["code"]) == (409, "appeal_decided")
    rectification = rectification_of(bad)
    assert (rectification.state, rectification.closed_at) == (RectificationState.CANCELLED, NEXT_DAY)
    assert received("appeal_decided") == ["carol", "hank"]
    # The record stays: the case keeps its rating, and the timeline has the appeal and its decision.
    assert Case.objects.get(pk=bad.pk).satisfaction == 2
    assert district.client(district.alice).get(f"/api/v1/cases/{bad.pk}/").data["satisfaction"] == 2
    actions = list(CaseEvent.objects.filter(case=bad).values_list("action", flat=True))
    assert actions[-3:] == [EventAction.APPEAL, EventAction.APPEAL_DECISION, EventAction.RECTIFICATION]
    assert logged(Appeal.objects.get(pk=filed)) == [("uphold", "pending", "upheld", "sam", "企业承认误操作。")]
    assert logged(rectification) == [("cancel", "open", "cancelled", "sam", "企业承认误操作。")]


def test_it_rejects_an_appeal_and_the_rectification_runs_on(district, bad):
    filed = appeal(district, district.carol, bad).data["id"]

    response = decide(district, district.sam, filed, "reject", note="差评有据。")

    assert (response.status_code, response.data["state"]) == (200, "rejected")
    assert rectification_of(bad).state == RectificationState.OPEN
    assert logged(Appeal.objects.get(pk=filed)) == [("reject", "pending", "rejected", "sam", "差评有据。")]
    assert received("appeal_decided") == ["carol", "hank"]


# --- the rates --------------------------------------------------------------------------------------------------

RATED_4 = at(2026, 11, 4, 10)
FRIDAY_20 = at(2026, 11, 20, 12)


def table(district, *, by: str = "unit") -> dict:
    with travel(FRIDAY_20):
        response = district.client(district.sam).get(RATES, {"period": "2026-11", "by": by})
    assert response.status_code == 200, response.data
    return response.data


def row_of(body: dict, unit) -> dict:
    (row,) = [row for row in body["rows"] if row["unit"]["id"] == unit.pk]
    return row


def ratio(row: dict, metric: str) -> tuple:
    found = row["ratios"][metric]
    return found["numerator"], found["denominator"], found["rate"]


def drill(district, metric: str, unit, part: str = "numerator") -> list[int]:
    with travel(FRIDAY_20):
        response = district.client(district.sam).get(
            f"{RATES}cases/", {"period": "2026-11", "metric": metric, "part": part, "unit": unit.pk}
        )
    assert response.status_code == 200, response.data
    return sorted(row["case_id"] for row in response.data["results"])


@pytest.fixture
def appealed_month(district) -> dict[str, Case]:
    """November: carol's cases rated 5, 4, 2 and 1, dave's 1 and 2, all on Wednesday 4 November.

    Carol's 1 is appealed and upheld, her 2 appealed and rejected; both of dave's are upheld.
    """
    cases = {
        "five": rated_case(district, 5, RATED_4),
        "four": rated_case(district, 4, RATED_4),
        "two": rated_case(district, 2, RATED_4),
        "one": rated_case(district, 1, RATED_4),
        "dave_one": rated_case(district, 1, RATED_4, unit="commerce"),
        "dave_two": rated_case(district, 2, RATED_4, unit="commerce"),
    }
    decisions = {"one": "uphold", "two": "reject", "dave_one": "uphold", "dave_two": "uphold"}
    for name, decision in decisions.items():
        appellant = district.dave if name.startswith("dave") else district.carol
        filed = appeal(district, appellant, cases[name], when=at(2026, 11, 5, 10))
        assert filed.status_code == 201, filed.data
        decided = decide(district, district.sam, filed.data["id"], decision, when=at(2026, 11, 6, 10))
        assert decided.status_code == 200, decided.data
    return cases


def test_it_takes_upheld_appeals_out_of_the_satisfaction_rate_and_keeps_rejected_ones(district, appealed_month):
    cases = appealed_month

    industry = row_of(table(district), district.industry)

    # Rated 5, 4, 2, 1: without appeals 2 / 4. The 1 is appealed away, the 2 stays: 2 / 3.
    assert ratio(industry, "satisfaction") == (2, 3, pytest.approx(2 / 3))
    assert industry["counts"]["appeal_upheld"] == 1
    # Both rectifications were due Wednesday 11 November 17:30: the upheld one is cancelled, the
    # rejected one's still runs, overdue on Friday 20.
    assert industry["counts"]["rectification_overdue"] == 1
    assert drill(district, "satisfaction", district.industry, "denominator") == sorted(
        cases[name].pk for name in ("five", "four", "two")
    )
    assert drill(district, "appeal_upheld", district.industry) == [cases["one"].pk]
    assert drill(district, "rectification_overdue", district.industry) == [cases["two"].pk]
    (carol,) = [row for row in table(district, by="cadre")["rows"] if row["cadre"]["username"] == "carol"]
    assert ratio(carol, "satisfaction") == (2, 3, pytest.approx(2 / 3))
    assert Case.objects.get(pk=cases["one"].pk).satisfaction == 1


def test_it_shows_no_satisfaction_rate_when_every_rating_was_appealed_away(district, appealed_month):
    commerce = row_of(table(district), district.commerce)

    assert ratio(commerce, "satisfaction") == (0, 0, None)
    assert "satisfaction" in commerce["missing"]
    assert commerce["score"] is not None  # from the other rates, reweighted
    assert (commerce["counts"]["appeal_upheld"], commerce["counts"]["rectification_overdue"]) == (2, 0)
    assert drill(district, "satisfaction", district.commerce, "denominator") == []
    assert Rectification.objects.filter(unit=district.commerce, state=RectificationState.CANCELLED).count() == 2


def test_it_lists_appeals_in_a_constant_number_of_queries(district):
    def appeal_some(count: int) -> None:
        for _ in range(count):
            appeal(district, district.carol, rated_case(district, 1, RATED))
            appeal(district, district.dave, rated_case(district, 2, RATED, unit="commerce"))

    def queries() -> tuple[int, int]:
        sam = get_user_model().objects.get(pk=district.sam.pk)
        with travel(NEXT_DAY), CaptureQueriesContext(connection) as captured:
            response = district.client(sam).get(APPEALS, {"page_size": 100})
        assert response.status_code == 200
        return len(captured), response.data["count"]

    appeal_some(1)
    two = queries()
    appeal_some(2)
    six = queries()

    # The user's roles (with the unit tree), the count and the page.
    assert (two, six) == ((3, 2), (3, 6))
    sam = district.client(district.sam)
    assert sam.get(APPEALS, {"unit": district.commerce.pk}).data["count"] == 3
    assert sam.get(APPEALS, {"state": "upheld"}).data["count"] == 0
    assert sam.get(APPEALS, {"state": "pending"}).data["count"] == 6
    assert district.client(district.dave).get(APPEALS).data["count"] == 3
