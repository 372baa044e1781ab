"""Visits to served enterprises (走访台账): recording with the problems found filed as cases in one transaction,
who sees what, and the visit duties with their reminder ladder.

Duties (docs/visits.md): calendar days from one visit to the next, by default 31 for the cadre, 92 for the head
of the responsible unit, 184 for the leader; the due day ends at 17:30 Asia/Shanghai, a day off moves it to
the next working day. Reminders: the morning 5 working days before the due day, and once it is missed.

Yixin's 包保 starts afresh on Monday 2 November 2026 at 09:00: leo leads it, the Industry Bureau (headed by
hank) is responsible and its carol is the cadre. Carol's first duty is due 3 December 17:30.
"""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model

from cases.models import Case, CaseState
from enterprises.models import Role, UnitMembership
from enterprises.services import service_assignment_change, service_assignments_end
from notifications.models import Notification
from supervision.visits import services as visit_services
from supervision.visits.models import Visit, VisitDuty, VisitLevel, VisitMode, VisitProblem
from supervision.visits.reminders import visit_duties_sweep
from supervision.visits.selectors import duties_visible_to, enterprise_duties, enterprise_visits, visits_visible_to
from supervision.visits.services import visit_duties_reconcile

from .helpers import at, post, received, travel

pytestmark = pytest.mark.django_db

VISITS = "/api/v1/visits/"
DUTIES = "/api/v1/visits/duties/"
STARTED = at(2026, 11, 2, 9)
VISITED = at(2026, 11, 16, 10)  # a Monday: carol's next visit is then due Thursday 17 December
RECORDED = at(2026, 11, 16, 15)


def serve_yixin_from(district, moment: datetime, **people) -> None:
    """Yixin's 包保 ends and starts again at ``moment``, so that its duties start then."""
    with travel(moment):
        service_assignments_end(enterprise_ids=[district.yixin.pk])
        service_assignment_change(
            enterprise=district.yixin,
            unit=district.industry,
            **{"cadre": district.carol, "leader": district.leo, **people},
        )


@pytest.fixture
def served(district):
    serve_yixin_from(district, STARTED)
    return district


def visit_body(district, **changes) -> dict:
    return {
        "enterprise": district.yixin.pk,
        "visited_at": VISITED.isoformat(),
        "mode": VisitMode.ON_SITE,
        "met_with": "王丽（行政经理）",
        "notes": "企业计划明年扩产，关心用地指标和电力增容。",
        **changes,
    }


def problem(district, title: str = "园区专用电力线缆需增容") -> dict:
    return {"category": district.infrastructure.pk, "title": title, "description": "新生产线投产后现有线路容量不足。"}


def record(district, user, **changes):
    return post(district, user, VISITS, visit_body(district, **changes), when=RECORDED)


def duty(district, level: str) -> VisitDuty:
    return VisitDuty.objects.get(enterprise=district.yixin, level=level)


# --- recording --------------------------------------------------------------------------------------------


def test_it_records_a_visit_and_files_its_problems_as_cases_of_the_enterprise(served):
    district = served

    response = record(district, district.carol, problems=[problem(district), problem(district, "用地指标不足")])

    assert response.status_code == 201, response.data
    visit = Visit.objects.get()
    assert (visit.visitor, visit.enterprise, visit.unit, visit.levels) == (
        district.carol,
        district.yixin,
        district.industry,
        [VisitLevel.CADRE],
    )
    assert (visit.visited_at, visit.mode, visit.recorded_at) == (VISITED, VisitMode.ON_SITE, RECORDED)
    cases = [row["number"] for row in response.data["cases"]]
    filed = Case.objects.filter(visit_problem__visit=visit).order_by("id")
    assert cases == [case.number for case in filed] and len(cases) == 2
    # Filed on Yixin's behalf by carol, routed to her as its serving cadre like any case of Yixin.
    assert {(case.enterprise_id, case.filed_by_id, case.state, case.assignee_id) for case in filed} == {
        (district.yixin.pk, district.carol.pk, CaseState.ASSIGNED, district.carol.pk)
    }
    assert response.data["notes"] == "企业计划明年扩产，关心用地指标和电力增容。"


def test_it_records_nothing_when_a_problem_is_refused(served):
    district = served
    district.infrastructure.is_active = False
    district.infrastructure.save()

    response = record(district, district.carol, problems=[problem(district)])

    assert response.status_code == 400
    assert (Visit.objects.count(), Case.objects.count()) == (0, 0)


def test_it_rolls_the_visit_and_the_first_case_back_when_a_later_case_is_refused(served, monkeypatch):
    district = served
    filed = []
    real_case_file = visit_services.case_file

    def refusing_the_second(**arguments):
        if filed:
            raise visit_services.InvalidInput("拒绝", code="refused")
        filed.append(real_case_file(**arguments))
        return filed[-1]

    monkeypatch.setattr(visit_services, "case_file", refusing_the_second)

    response = record(district, district.carol, problems=[problem(district), problem(district, "用地指标不足")])

    assert (response.status_code, response.data["code"]) == (400, "refused")
    assert len(filed) == 1
    assert (Visit.objects.count(), VisitProblem.objects.count(), Case.objects.count()) == (0, 0, 0)
    assert duty(district, VisitLevel.CADRE).last_visit_at is None


@pytest.mark.parametrize("who", ["dave", "alice", "sam", "dora"])
def test_it_lets_only_those_who_serve_the_enterprise_record_a_visit(served, who):
    district = served

    response = record(district, getattr(district, who), problems=[problem(district)])

    assert (response.status_code, response.data["code"]) == (403, "not_serving")
    assert (Visit.objects.count(), Case.objects.count()) == (0, 0)


def test_it_lets_the_head_of_the_responsible_unit_record_a_visit_and_file_from_it(served):
    district = served

    response = record(district, district.hank, problems=[problem(district)])

    assert response.status_code == 201, response.data
    visit = Visit.objects.get()
    assert visit.levels == [VisitLevel.UNIT]
    assert Case.objects.get().filed_by == district.hank


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"visited_at": at(2026, 11, 16, 16).isoformat()}, "visited_at"),  # after it was recorded
        ({"visited_at": at(2026, 10, 15, 10).isoformat()}, "visited_at"),  # more than 31 days back
        ({"met_with": ""}, "met_with"),
        ({"notes": "  "}, "notes"),
    ],
)
def test_it_refuses_a_visit_in_the_future_too_old_or_without_its_record(served, changes, field):
    response = record(served, served.carol, **changes)

    assert response.status_code == 400
    assert list(response.data["fields"]) == [field]
    assert Visit.objects.count() == 0


def test_it_says_which_problem_lacks_what(served):
    district = served

    response = record(district, district.carol, problems=[problem(district), {**problem(district), "title": " "}])

    assert response.status_code == 400
    assert response.data["fields"] == {"problems": {"1": {"title": ["请为问题填写简短的标题。"]}}}
    assert Visit.objects.count() == 0


# --- who sees what ----------------------------------------------------------------------------------------


@pytest.fixture
def recorded(served) -> Visit:
    response = record(served, served.carol, problems=[problem(served)])
    assert response.status_code == 201, response.data
    return Visit.objects.get()


def read(district, user, url: str):
    with travel(RECORDED):
        return district.client(user).get(url)


@pytest.mark.parametrize("who", ["carol", "hank", "leo", "sam", "dora"])
def test_it_shows_the_visit_with_its_notes_to_the_officials_who_answer_for_the_enterprise(recorded, district, who):
    detail = read(district, getattr(district, who), f"{VISITS}{recorded.pk}/")
    listed = read(district, getattr(district, who), VISITS)

    assert detail.status_code == 200
    assert (detail.data["notes"], detail.data["met_with"]) == (recorded.notes, recorded.met_with)
    assert [row["id"] for row in listed.data["results"]] == [recorded.pk]


@pytest.mark.parametrize("who", ["dave", "bob", "otto"])
def test_it_hides_the_visit_from_another_cadre_another_enterprise_and_another_jurisdiction(recorded, district, who):
    detail = read(district, getattr(district, who), f"{VISITS}{recorded.pk}/")
    listed = read(district, getattr(district, who), VISITS)

    assert detail.status_code == 404
    assert listed.data["results"] == []


def test_it_shows_the_enterprise_its_visit_and_cases_but_not_what_was_discussed(recorded, district):
    detail = read(district, district.alice, f"{VISITS}{recorded.pk}/").data

    assert (detail["visitor"]["name"], detail["mode"], detail["visited_at"]) == ("陈静", "on_site", VISITED.isoformat())
    assert (detail["notes"], detail["met_with"]) == (None, None)
    assert [case["title"] for case in detail["cases"]] == ["园区专用电力线缆需增容"]
    assert "企业计划明年扩产" not in str(read(district, district.alice, VISITS).content, "utf-8")


def test_it_refuses_the_duties_to_an_enterprise_and_hides_another_unit_s(recorded, district):
    assert read(district, district.alice, DUTIES).status_code == 403
    assert read(district, district.dave, DUTIES).data["results"] == []
    mine = read(district, district.carol, f"{DUTIES}?state=later").data["results"]
    assert {row["level"] for row in mine} == {VisitLevel.CADRE, VisitLevel.UNIT, VisitLevel.LEADER}


def test_it_lists_visits_in_a_fixed_number_of_queries(served, django_assert_num_queries):
    district = served
    for day in (3, 9, 16):
        with travel(at(2026, 11, day, 16)):
            visit_services.visit_record(
                enterprise=district.yixin,
                acting_user=district.carol,
                visited_at=at(2026, 11, day, 10),
                mode=VisitMode.PHONE,
                met_with="王丽",
                notes="电话回访",
                problems=[
                    visit_services.ProblemFound(district.financing, f"第{day}日发现的问题", "需要协调。"),
                ],
            )
    client = district.client(district.sam)
    # The user's roles (with the unit tree), the count and the page, and the cases of the page's visits.
    with django_assert_num_queries(4):
        response = client.get(VISITS)
    assert len(response.data["results"]) == 3


# --- duties and their ladder --------------------------------------------------------------------------------


def test_it_gives_each_level_of_the_new_service_a_duty_from_its_start(served):
    district = served

    duties = {row.level: row for row in VisitDuty.objects.filter(enterprise=district.yixin)}

    assert set(duties) == {VisitLevel.CADRE, VisitLevel.UNIT, VisitLevel.LEADER}  # Yixin has no local contact
    assert (duties["cadre"].person, duties["cadre"].since, duties["cadre"].due_at) == (
        district.carol,
        STARTED,
        at(2026, 12, 3, 17, 30),
    )
    assert (duties["unit"].person, duties["unit"].unit) == (None, district.industry)
    assert duties["leader"].person == district.leo


def test_it_moves_the_visitor_s_duty_from_the_visit_and_only_theirs(served):
    district = served
    leader_due = duty(district, VisitLevel.LEADER).due_at

    record(district, district.carol)

    cadre = duty(district, VisitLevel.CADRE)
    assert (cadre.last_visit_at, cadre.due_at) == (VISITED, at(2026, 12, 17, 17, 30))
    assert duty(district, VisitLevel.LEADER).due_at == leader_due
    assert duty(district, VisitLevel.UNIT).last_visit_at is None


def test_it_counts_a_head_s_visit_for_the_unit_s_duty(served):
    district = served

    record(district, district.hank)

    assert duty(district, VisitLevel.UNIT).last_visit_at == VISITED
    assert duty(district, VisitLevel.CADRE).last_visit_at is None


def test_it_moves_a_due_day_off_to_the_next_working_day(served):
    district = served

    with travel(at(2026, 11, 5, 16)):
        visit_services.visit_record(
            enterprise=district.yixin,
            acting_user=district.carol,
            visited_at=at(2026, 11, 5, 10),
            mode=VisitMode.VIDEO,
            met_with="王丽",
            notes="视频会议",
        )

    # 5 November + 31 days is Sunday 6 December.
    assert duty(district, VisitLevel.CADRE).due_at == at(2026, 12, 7, 17, 30)


def sweep_twice(moment: datetime) -> tuple[int, int]:
    with travel(moment):
        return visit_duties_sweep(moment).reminded, visit_duties_sweep(moment).reminded


def reminded(kind: str) -> list[str]:
    return received(f"reminder_visit_duty_{kind}")


def test_it_reminds_the_cadre_before_and_tells_the_unit_head_once_missed_once_each_in_working_hours(served):
    district = served
    record(district, district.carol)  # due Thursday 17 December 17:30; reminded from Thursday 10 December

    assert sweep_twice(at(2026, 12, 9, 10)) == (0, 0)
    assert sweep_twice(at(2026, 12, 10, 8)) == (0, 0)  # before working hours
    assert sweep_twice(at(2026, 12, 10, 9)) == (1, 0)
    assert reminded("due_soon") == ["carol"]
    assert sweep_twice(at(2026, 12, 17, 18)) == (0, 0)  # missed, but after hours
    assert reminded("missed") == []
    assert sweep_twice(at(2026, 12, 18, 8, 30)) == (1, 0)
    assert reminded("missed") == ["carol", "hank"]
    notification = Notification.objects.get(kind="reminder_visit_duty_missed", recipient=district.hank)
    assert notification.about == f"enterprise:{district.yixin.pk}"
    assert "亿鑫化工有限公司" in notification.subject and "陈静" in notification.body
    assert sweep_twice(at(2027, 1, 4, 9)) == (0, 0)


def test_it_starts_the_ladder_afresh_when_a_visit_moves_the_due_day(served):
    district = served
    assert sweep_twice(at(2026, 11, 26, 9)) == (1, 0)  # carol's first duty, due 3 December
    assert reminded("due_soon") == ["carol"]

    record(district, district.carol)

    assert sweep_twice(at(2026, 12, 4, 9)) == (0, 0)  # the old due time passed without a "missed"
    assert sweep_twice(at(2026, 12, 10, 9)) == (1, 0)
    assert reminded("due_soon") == ["carol", "carol"]
    assert reminded("missed") == []


def test_it_reminds_the_unit_s_heads_of_the_unit_s_duty(served, settings):
    district = served
    settings.HUIYIN = {**settings.HUIYIN, "VISIT_DUTY_DAYS": {"cadre": 0, "unit": 10, "leader": 0, "local": 0}}
    visit_duties_reconcile(now=STARTED)  # nothing lacks a duty: the settings change reaches rows on recompute
    serve_yixin_from(district, STARTED)  # due Thursday 12 November 17:30

    assert sweep_twice(at(2026, 11, 5, 9)) == (1, 0)
    assert reminded("due_soon") == ["hank"]
    assert sweep_twice(at(2026, 11, 13, 9)) == (1, 0)
    assert reminded("missed") == ["hank"]


def test_it_gives_a_new_cadre_a_fresh_duty_and_keeps_the_others(served):
    district = served
    record(district, district.carol)
    leader = duty(district, VisitLevel.LEADER)
    assert sweep_twice(at(2026, 12, 10, 9)) == (1, 0)  # carol's reminder

    changed = at(2026, 12, 11, 10)
    with travel(changed):
        service_assignment_change(
            enterprise=district.yixin, unit=district.industry, cadre=district.carla, leader=district.leo
        )

    cadre = duty(district, VisitLevel.CADRE)
    assert (cadre.person, cadre.since, cadre.last_visit_at, cadre.due_at, cadre.reminder_step) == (
        district.carla,
        changed,
        None,
        at(2027, 1, 11, 17, 30),
        0,
    )
    kept = duty(district, VisitLevel.LEADER)
    assert (kept.since, kept.due_at, kept.service_id) == (leader.since, leader.due_at, cadre.service_id)
    assert sweep_twice(at(2026, 12, 18, 9)) == (0, 0)  # carol's missed visit is no longer anybody's


def test_it_drops_the_duties_when_the_service_ends(served):
    district = served

    with travel(at(2026, 11, 20, 10)):
        service_assignments_end(enterprise_ids=[district.yixin.pk])

    assert VisitDuty.objects.filter(enterprise=district.yixin).count() == 0


def test_it_gives_the_local_contact_a_duty_and_lets_them_record(served):
    district = served
    lily = get_user_model().objects.create_user(username="lily", first_name="李莉")
    UnitMembership.objects.create(user=lily, unit=district.township, role=Role.CADRE)
    serve_yixin_from(district, STARTED, local_contact=lily)

    assert record(district, lily).status_code == 201
    assert (duty(district, VisitLevel.LOCAL).person, duty(district, VisitLevel.LOCAL).last_visit_at) == (lily, VISITED)
    assert Visit.objects.get().levels == [VisitLevel.LOCAL]


def test_it_reconciles_service_periods_that_came_without_their_duties(served):
    district = served
    VisitDuty.objects.all().delete()

    with travel(at(2026, 11, 20, 10)):
        assert visit_duties_reconcile() == 1
        assert visit_duties_reconcile() == 0

    # A duty that starts when the installation starts keeping it: never late for the years before.
    assert duty(district, VisitLevel.CADRE).since == at(2026, 11, 20, 10)


@pytest.mark.parametrize("who", ["carol", "hank", "leo", "sam", "dora", "dave"])
def test_an_enterprise_s_page_gates_its_visits_and_duties_as_every_list_does(recorded, district, who):
    user = getattr(district, who)
    for enterprise in (district.yixin, district.hongda):
        gated = visits_visible_to(user).filter(enterprise=enterprise).order_by("-visited_at", "-id")
        duties = duties_visible_to(user).filter(enterprise=enterprise).order_by("due_at", "id")

        assert list(enterprise_visits(user, enterprise.pk).values_list("pk", "sees_notes")) == list(
            gated.values_list("pk", "sees_notes")
        )
        assert list(enterprise_duties(user, enterprise.pk)) == list(duties)
    assert visits_visible_to(district.carol).filter(enterprise=district.yixin).exists()
