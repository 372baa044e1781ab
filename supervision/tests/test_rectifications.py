"""Rectifications after a bad rating (整改): opening on close, the deadline, the unit's report, the
supervisor's acceptance or return, reminders, and who may see and do what.

Deadlines (docs/ratings.md): 5 working days after the rating, ending 17:30 Asia/Shanghai. A rating on
Thursday 19 November 2026 at 10:00 is due Thursday 26 November 17:30 (20, 23, 24, 25, 26 November).
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent, CaseState, EventAction
from core.errors import Conflict
from core.tests.logs import logged
from supervision.ratings import services as supervision_services
from supervision.ratings.models import Rectification, RectificationState
from supervision.ratings.reminders import rectifications_sweep
from supervision.ratings.selectors import rectifications_visible_in_parts, rectifications_visible_to
from workflow import services

from .helpers import RECTIFICATIONS, at, post, rated_case, received, rectification_of, resolved_case, travel

pytestmark = pytest.mark.django_db

RATED = at(2026, 11, 19, 10)
DUE = at(2026, 11, 26, 17, 30)
SOON = at(2026, 11, 25, 9)  # the morning of the working day before it is due
TODAY = at(2026, 11, 26, 9)
AFTER = at(2026, 11, 27, 9)  # the first working moment after 17:30 on the due day
MONDAY = at(2026, 11, 23, 10)


def url(rectification: Rectification, action: str | None = None) -> str:
    return f"{RECTIFICATIONS}{rectification.pk}/{action}/" if action else f"{RECTIFICATIONS}{rectification.pk}/"


@pytest.fixture
def bad(district) -> Rectification:
    """Alice rated carol's case 不满意 (2) on Thursday 19 November at 10:00."""
    return rectification_of(rated_case(district, 2, RATED))


def submitted(district, rectification: Rectification, when=MONDAY) -> Rectification:
    response = post(
        district, district.carol, url(rectification, "submit"), {"report": "已重新上门核实并修复。"}, when=when
    )
    assert response.status_code == 200, response.data
    return Rectification.objects.get(pk=rectification.pk)


def test_it_opens_a_rectification_due_five_working_days_after_a_bad_rating_over_the_weekend(district, bad):
    assert (bad.state, bad.satisfaction, bad.unit, bad.assignee) == (
        RectificationState.OPEN,
        2,
        district.industry,
        district.carol,
    )
    assert bad.due_at == DUE
    assert received("rectification_opened") == ["carol", "hank"]
    event = CaseEvent.objects.get(case=bad.case, action=EventAction.RECTIFICATION)
    assert (event.actor, event.is_internal, event.data["state"]) == (None, True, "open")

    with travel(MONDAY):
        body = district.client(district.sam).get(url(bad)).data
    assert (body["state"], body["due_at"], body["is_overdue"]) == ("open", "2026-11-26T17:30:00+08:00", False)
    with travel(AFTER):
        assert district.client(district.sam).get(url(bad)).data["is_overdue"] is True


def test_it_counts_the_deadline_past_the_national_day_holiday_and_its_make_up_saturday(district):
    # Wednesday 30 September: 1–7 October are off, Saturday 10 October is worked, Sunday 11 is not.
    # Working days 8, 9, 10, 12, 13 October: due Tuesday 13 October 17:30.
    rectification = rectification_of(rated_case(district, 1, at(2026, 9, 30, 10)))

    assert rectification.due_at == at(2026, 10, 13, 17, 30)
    assert rectification.satisfaction == 1


def test_it_takes_the_number_of_working_days_from_the_settings(district, settings):
    settings.HUIYIN = {**settings.HUIYIN, "RECTIFICATION_WORKDAYS": 2}

    rectification = rectification_of(rated_case(district, 1, RATED))

    assert rectification.due_at == at(2026, 11, 23, 17, 30)


def test_it_opens_none_for_a_fair_or_better_rating_nor_for_a_close_without_a_rating(district):
    for rating in (3, 4, 5):
        rated_case(district, rating, RATED)
    with travel(RATED):
        by_supervisor = services.case_close(case=resolved_case(district), acting_user=district.sam)
        unanswered = resolved_case(district)
        withdrawn = services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title="已自行解决",
            description="无需处理。",
        )
        services.case_withdraw(case=withdrawn, acting_user=district.alice, reason="已自行解决。")
    with travel(at(2026, 11, 27, 9)):
        assert services.case_close_unanswered(case_id=unanswered.pk)

    assert Case.objects.filter(state=CaseState.CLOSED).count() == 6
    assert by_supervisor.satisfaction is None
    assert Rectification.objects.count() == 0
    assert received("rectification_opened") == []


def test_it_rolls_the_close_back_when_the_rectification_cannot_be_opened(district, monkeypatch):
    with travel(RATED):
        case = resolved_case(district)

    def broken(**kwargs):
        raise RuntimeError("the rectification table is unavailable")

    monkeypatch.setattr(supervision_services, "rectification_open", broken)
    with travel(RATED), pytest.raises(RuntimeError):
        services.case_close(case=case, acting_user=district.alice, satisfaction=1)

    case.refresh_from_db()
    assert (case.state, case.satisfaction) == (CaseState.RESOLVED, None)
    assert not CaseEvent.objects.filter(case=case, action=EventAction.CLOSE).exists()


def test_it_lets_the_assignee_report_and_tells_the_supervisors_of_the_jurisdiction(district, bad):
    response = post(district, district.carol, url(bad, "submit"), {"report": "已重新上门核实并修复。"}, when=RATED)

    assert response.status_code == 200, response.data
    assert (response.data["state"], response.data["report"]) == ("submitted", "已重新上门核实并修复。")
    assert response.data["submitted_by"]["username"] == "carol"
    assert response.data["available_actions"] == []
    assert received("rectification_submitted") == ["sam"]
    event = CaseEvent.objects.filter(case=bad.case, action=EventAction.RECTIFICATION).last()
    assert (event.actor, event.note, event.is_internal) == (district.carol, "已重新上门核实并修复。", True)


def test_it_lets_the_unit_head_report_too(district, bad):
    response = post(district, district.hank, url(bad, "submit"), {"report": "局里已督促整改到位。"}, when=RATED)

    assert (response.status_code, response.data["state"]) == (200, "submitted")


def test_it_lets_a_supervisor_accept_and_tells_the_unit(district, bad):
    submitted(district, bad)
    offered = district.client(district.sam).get(url(bad)).data["available_actions"]

    response = post(district, district.sam, url(bad, "accept"), {"note": "整改到位。"}, when=at(2026, 11, 24, 9))

    assert offered == ["accept", "return"]
    assert response.status_code == 200, response.data
    assert (response.data["state"], response.data["decision_note"]) == ("accepted", "整改到位。")
    assert response.data["closed_at"] == "2026-11-24T09:00:00+08:00"
    assert received("rectification_accepted") == ["carol", "hank"]
    assert logged(bad) == [
        ("submit", "open", "submitted", "carol", "已重新上门核实并修复。"),
        ("accept", "submitted", "accepted", "sam", "整改到位。"),
    ]


def test_it_lets_a_supervisor_return_it_with_a_reason_and_a_new_deadline(district, bad):
    submitted(district, bad)

    response = post(
        district,
        district.sam,
        url(bad, "return"),
        {"reason": "未附整改照片。", "due_date": "2026-12-01"},
        when=at(2026, 11, 24, 9),
    )

    assert response.status_code == 200, response.data
    assert (response.data["state"], response.data["return_count"]) == ("open", 1)
    assert response.data["due_at"] == "2026-12-01T17:30:00+08:00"
    assert response.data["decision_note"] == "未附整改照片。"
    assert received("rectification_returned") == ["carol", "hank"]
    # Reported again and returned again, keeping the deadline: a second message, not a repeat of the first.
    submitted(district, bad, when=at(2026, 11, 25, 9))
    again = post(district, district.sam, url(bad, "return"), {"reason": "照片不清晰。"}, when=at(2026, 11, 25, 10))
    assert (again.data["due_at"], again.data["return_count"]) == ("2026-12-01T17:30:00+08:00", 2)
    assert received("rectification_returned") == ["carol", "carol", "hank", "hank"]
    assert received("rectification_submitted") == ["sam", "sam"]
    assert [(transition, by, note) for transition, _source, _target, by, note in logged(bad)] == [
        ("submit", "carol", "已重新上门核实并修复。"),
        ("send_back", "sam", "未附整改照片。"),
        ("submit", "carol", "已重新上门核实并修复。"),
        ("send_back", "sam", "照片不清晰。"),
    ]


def test_it_refuses_a_return_without_a_reason_or_to_a_day_off(district, bad):
    submitted(district, bad)
    sam = district.sam

    no_reason = post(district, sam, url(bad, "return"), {}, when=RATED, HTTP_ACCEPT_LANGUAGE="en")
    saturday = post(district, sam, url(bad, "return"), {"reason": "不完整。", "due_date": "2026-11-28"}, when=RATED)
    past = post(district, sam, url(bad, "return"), {"reason": "不完整。", "due_date": "2026-11-18"}, when=RATED)

    assert (no_reason.status_code, no_reason.data["message"]) == (400, "Say what is still missing.")
    assert (saturday.status_code, saturday.data["code"]) == (400, "due_date")
    assert (past.status_code, past.data["code"]) == (400, "due_date")
    assert Rectification.objects.get(pk=bad.pk).state == RectificationState.SUBMITTED


def test_it_refuses_an_empty_report(district, bad):
    response = post(district, district.carol, url(bad, "submit"), {"report": " "}, HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response.data["message"]) == (400, "Say what was done to put it right.")


def test_it_refuses_the_enterprise_every_rectification_address_in_its_language(district, bad):
    client = district.client(district.alice)
    answers = [
        client.get(RECTIFICATIONS),
        client.get(url(bad)),
        client.post(url(bad, "submit"), {"report": "x"}, format="json"),
        client.get(RECTIFICATIONS, HTTP_ACCEPT_LANGUAGE="en"),
    ]

    assert [response.status_code for response in answers] == [403] * 4
    assert {response.data["code"] for response in answers} == {"not_an_official"}
    assert answers[0].data["message"] == "整改和申诉仅供机关工作人员使用。"
    assert answers[3].data["message"] == "Rectifications and appeals are for government officials."
    assert Rectification.objects.get(pk=bad.pk).state == RectificationState.OPEN


def test_it_hides_rectifications_from_the_enterprise_other_units_and_other_districts(district, bad):
    for user in (district.dave, district.otto):
        client = district.client(user)
        assert client.get(RECTIFICATIONS).data["count"] == 0
        assert client.get(url(bad)).status_code == 404
        assert client.post(url(bad, "submit"), {"report": "x"}, format="json").status_code == 404
    case_page = district.client(district.alice).get(f"/api/v1/cases/{bad.case_id}/").data
    assert EventAction.RECTIFICATION not in {event["action"] for event in case_page["events"]}
    assert Rectification.objects.get(pk=bad.pk).state == RectificationState.OPEN


def test_it_refuses_those_who_see_it_but_may_not_act(district, bad):
    leader_report = post(district, district.leo, url(bad, "submit"), {"report": "x"})
    supervisor_report = post(district, district.sam, url(bad, "submit"), {"report": "x"})
    early_accept = post(district, district.sam, url(bad, "accept"))
    submitted(district, bad)
    cadre_accept = post(district, district.carol, url(bad, "accept"))
    head_return = post(district, district.hank, url(bad, "return"), {"reason": "x"})

    assert leader_report.status_code == supervisor_report.status_code == 403
    assert (early_accept.status_code, early_accept.data["code"]) == (409, "invalid_state")
    assert cadre_accept.status_code == head_return.status_code == 403
    assert Rectification.objects.get(pk=bad.pk).state == RectificationState.SUBMITTED
    assert [transition for transition, *_rest in logged(bad)] == ["submit"]


def test_it_lets_only_one_of_two_supervisors_deciding_at_once_win(district, bad):
    submitted(district, bad)
    stale = Rectification.objects.select_related("case__enterprise").get(pk=bad.pk)
    supervision_services.rectification_accept(rectification=stale, acting_user=district.sam)

    with pytest.raises(Conflict) as refused:
        supervision_services.rectification_return(rectification=stale, acting_user=district.sam, reason="不完整。")

    assert refused.value.code == "invalid_state"
    assert Rectification.objects.get(pk=bad.pk).state == RectificationState.ACCEPTED


def sweep_twice(moment) -> tuple[int, int]:
    with travel(moment):
        return rectifications_sweep(moment).reminded, rectifications_sweep(moment).reminded


def test_it_reminds_before_on_and_after_the_deadline_once_each_across_two_sweeps(district, bad):
    assert sweep_twice(at(2026, 11, 24, 10)) == (0, 0)

    assert sweep_twice(SOON) == (1, 0)
    assert received("reminder_rectification_due_soon") == ["carol", "hank"]
    assert sweep_twice(TODAY) == (1, 0)
    assert received("reminder_rectification_due_today") == ["carol", "hank"]
    # 17:30 on the due day is already after hours: the overdue reminder waits for Friday morning.
    assert sweep_twice(DUE) == (0, 0)
    assert sweep_twice(AFTER) == (1, 0)
    assert received("reminder_rectification_overdue") == ["carol", "hank", "sam"]
    assert sweep_twice(at(2026, 12, 7, 9)) == (0, 0)

    with travel(AFTER):
        body = district.client(district.sam).get(RECTIFICATIONS, {"overdue": "true"}).data
    assert [(row["id"], row["is_overdue"]) for row in body["results"]] == [(bad.pk, True)]


def test_it_sends_a_late_sweep_only_what_still_makes_sense(district, bad):
    # The beat was down until after the deadline: warnings about an approaching deadline are moot.
    assert sweep_twice(AFTER) == (1, 0)

    assert received("reminder_rectification_due_soon") == received("reminder_rectification_due_today") == []
    assert received("reminder_rectification_overdue") == ["carol", "hank", "sam"]


def test_it_reminds_nobody_while_a_report_waits_and_resumes_after_a_return(district, bad):
    submitted(district, bad)
    assert sweep_twice(AFTER) == (0, 0)

    post(district, district.sam, url(bad, "return"), {"reason": "不完整。"}, when=at(2026, 11, 27, 10))

    assert sweep_twice(at(2026, 11, 27, 11)) == (1, 0)
    assert received("reminder_rectification_overdue") == ["carol", "hank", "sam"]


def test_it_lists_with_filters_in_a_constant_number_of_queries(district):
    def rate_some(count: int) -> None:
        for _ in range(count):
            rated_case(district, 1, RATED)
            rated_case(district, 2, RATED, unit="commerce")

    def queries() -> tuple[int, int]:
        sam = get_user_model().objects.get(pk=district.sam.pk)
        with travel(AFTER), CaptureQueriesContext(connection) as captured:
            response = district.client(sam).get(RECTIFICATIONS, {"page_size": 100})
        assert response.status_code == 200
        return len(captured), response.data["count"]

    rate_some(1)
    two = queries()
    rate_some(2)
    six = queries()

    # The user's roles (with the unit tree), and the page with the number of every match.
    assert (two, six) == ((2, 2), (2, 6))
    sam = district.client(district.sam)
    assert sam.get(RECTIFICATIONS, {"unit": district.commerce.pk}).data["count"] == 3
    assert sam.get(RECTIFICATIONS, {"state": "submitted"}).data["count"] == 0
    with travel(AFTER):
        assert sam.get(RECTIFICATIONS, {"overdue": "true"}).data["count"] == 6
    with travel(RATED):
        assert sam.get(RECTIFICATIONS, {"overdue": "true"}).data["count"] == 0
    carol = district.client(district.carol).get(RECTIFICATIONS).data
    assert {row["unit"]["id"] for row in carol["results"]} == {district.industry.pk}


def test_it_lists_who_reported_and_who_decided_in_the_pages_one_query(district, bad, django_assert_num_queries):
    submitted(district, bad)
    accepted = submitted(district, rectification_of(rated_case(district, 1, RATED)))
    post(district, district.sam, url(accepted, "accept"), {"note": "整改到位。"}, when=at(2026, 11, 24, 9))
    sam = district.client(district.sam)
    with travel(AFTER):
        sam.get(RECTIFICATIONS)  # loads sam's roles once
        with django_assert_num_queries(1):
            rows = {row["id"]: row for row in sam.get(RECTIFICATIONS).data["results"]}

    shown = {
        pk: (row["state"], row["submitted_by"]["name"], (row["decided_by"] or {}).get("name"), row["available_actions"])
        for pk, row in rows.items()
    }
    assert shown == {
        bad.pk: ("submitted", "陈静", None, ["accept", "return"]),
        accepted.pk: ("accepted", "陈静", "孙明", []),
    }
    assert rows[bad.pk]["case"] == {"id": bad.case_id, "number": bad.case.number, "title": bad.case.title}


def test_it_accepts_a_due_date_only_as_a_date(district, bad):
    submitted(district, bad)

    response = post(district, district.sam, url(bad, "return"), {"reason": "x", "due_date": "下周一"}, when=RATED)

    assert (response.status_code, set(response.data["fields"])) == (400, {"due_date"})
    assert Rectification.objects.get(pk=bad.pk).state == RectificationState.SUBMITTED


def test_it_shows_and_counts_once_each_rectification_a_unit_head_or_a_cadre_sees_however_many_ways(district):
    """hank heads the Industry Bureau and the office below it; carol serves Yixin. A case of another unit assigned
    to hank is his too, and one of his unit assigned to him is counted once, not once for each way he sees it."""
    in_unit, own_in_unit, own_elsewhere, unseen = (
        rated_case(district, 1, at(2025, 3, 3 + day, 10), unit=unit)
        for day, unit in enumerate(("industry", "industry", "commerce", "commerce"))
    )
    Case.objects.filter(pk__in=[own_in_unit.pk, own_elsewhere.pk]).update(assignee=district.hank)
    Case.objects.filter(pk=in_unit.pk).update(responsible_unit=district.industry_office)

    hank_sees = {rectification_of(case).pk for case in (in_unit, own_in_unit, own_elsewhere)}
    assert set(rectifications_visible_to(district.hank).values_list("pk", flat=True)) == hank_sees
    parts = rectifications_visible_in_parts(district.hank)
    assert sum(part.count() for part in parts) == 3
    assert {pk for part in parts for pk in part.values_list("pk", flat=True)} == hank_sees
    # carol's own and her served Yixin's, whoever they are assigned to now; not Hongda's, which she does not serve
    carol_sees = {rectification_of(case).pk for case in (in_unit, own_in_unit)}
    assert set(rectifications_visible_to(district.carol).values_list("pk", flat=True)) == carol_sees
    assert [part.count() for part in rectifications_visible_in_parts(district.carol)] == [2]
    assert rectification_of(unseen).pk not in hank_sees
    # The API lists and counts them the same way, filtered or not (a unit head's counted unit by unit).
    Rectification.objects.filter(case=own_elsewhere).update(state=RectificationState.SUBMITTED)
    for person, sees in ((district.hank, hank_sees), (district.carol, carol_sees)):
        client = district.client(person)
        for filters in ({}, {"state": "open"}, {"state": "submitted"}, {"unit": district.industry.pk}):
            page = client.get(RECTIFICATIONS, {"page_size": 100, **filters}).data
            listed = {row["id"] for row in page["results"]}
            assert listed <= sees and page["count"] == len(listed), (person.username, filters)
        assert {row["id"] for row in client.get(RECTIFICATIONS).data["results"]} == sees
