"""Key-project milestones (挂图作战): plan and record nodes, the reminder ladder of a late node, the investment,
problems filed against a project, and who sees what (docs/projects.md).

The project and its task force are project_helpers'. sam supervises the district; otto another one; alice and
bob act for Yixin and Hongda.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import KeyProject
from notifications.models import Notification
from supervision.projects.models import Milestone
from supervision.projects.reminders import milestones_sweep
from supervision.projects.selectors import MilestoneState

from .helpers import at, travel
from .project_helpers import BEFORE, PROJECTS, key_project, kind, planned, post, url


@pytest.fixture
def project(district) -> KeyProject:
    return key_project(district)


def received(kind_name: str) -> list[str]:
    rows = Notification.objects.filter(kind=kind_name).order_by("recipient__username")
    return [row.recipient.username for row in rows]


def test_it_seeds_the_standard_nodes_in_their_order(district):
    names = [row["name_zh"] for row in district.client(district.sam).get("/api/v1/milestone-kinds/").data]

    assert names == ["签约", "立项", "土地", "规划许可", "施工许可", "开工", "竣工", "投产"]


def test_it_lets_the_task_force_plan_and_record_a_node_and_shows_its_state(district, project):
    planned(district, project)
    with travel(BEFORE):
        node = district.client(district.sam).get(url(project)).data["milestones"][0]
    assert (node["kind"]["name"], node["planned_on"], node["state"]) == ("开工", "2026-12-14", "planned")

    response = post(
        district,
        district.carol,
        url(project, "reach"),
        {"kind": kind("开工").pk, "done_on": "2026-12-15", "notes": "电力增容完成后开工"},
        when=at(2026, 12, 16, 10),
    )

    assert response.status_code == 200, response.data
    node = response.data["milestones"][0]
    assert (node["done_on"], node["state"], node["notes"]) == ("2026-12-15", "done_late", "电力增容完成后开工")
    assert node["recorded_by"]["username"] == "carol"


@pytest.mark.parametrize(
    ("moment", "done_on", "state"),
    [
        (at(2026, 12, 4, 16), None, MilestoneState.PLANNED),
        (at(2026, 12, 7, 9), None, MilestoneState.DUE_SOON),
        (at(2026, 12, 14, 20), None, MilestoneState.DUE_SOON),
        (at(2026, 12, 15, 9), None, MilestoneState.LATE),
        (at(2026, 12, 15, 9), date(2026, 12, 14), MilestoneState.DONE),
        (at(2026, 12, 18, 9), date(2026, 12, 16), MilestoneState.DONE_LATE),
    ],
)
def test_it_derives_a_nodes_state_from_its_dates_and_the_working_calendar(district, project, moment, done_on, state):
    milestone = planned(district, project)
    Milestone.objects.filter(pk=milestone.pk).update(done_on=done_on)

    with travel(moment):
        node = district.client(district.leo).get(url(project)).data["milestones"][0]

    assert node["state"] == state


def sweep_twice(moment) -> tuple[int, int]:
    with travel(moment):
        return milestones_sweep(moment).reminded, milestones_sweep(moment).reminded


def test_it_reminds_the_task_force_then_its_leading_cadre_then_the_leaders_once_each(district, project):
    planned(district, project)

    assert sweep_twice(at(2026, 12, 4, 10)) == (0, 0)
    assert sweep_twice(at(2026, 12, 7, 9)) == (1, 0)
    assert received("reminder_milestone_due_soon") == ["carla", "carol", "hank"]
    # 17:30 on the planned day is already after hours: the late reminder waits for the next morning.
    assert sweep_twice(at(2026, 12, 14, 17, 45)) == (0, 0)
    assert sweep_twice(at(2026, 12, 15, 9)) == (1, 0)
    assert received("reminder_milestone_late") == ["hank"]
    assert sweep_twice(at(2026, 12, 16, 9)) == (0, 0)
    assert sweep_twice(at(2026, 12, 17, 9)) == (1, 0)
    assert received("reminder_milestone_escalated") == ["leo"]
    assert sweep_twice(at(2026, 12, 21, 9)) == (0, 0)
    notification = Notification.objects.get(kind="reminder_milestone_escalated")
    assert "亿鑫新材料一期" in notification.subject and "3" in notification.body


def test_it_stops_the_ladder_once_the_node_is_reached_and_restarts_it_for_a_new_date(district, project):
    milestone = planned(district, project)
    post(district, district.carol, url(project, "reach"), {"kind": milestone.kind_id, "done_on": "2026-12-01"})

    assert sweep_twice(at(2026, 12, 15, 9)) == (0, 0)
    assert Milestone.objects.get(pk=milestone.pk).remind_at is None

    other = planned(district, project, "竣工", date(2026, 12, 14))
    refused = post(
        district, district.carol, url(project, "plan"), {"kind": milestone.kind_id, "planned_on": "2027-01-04"}
    )
    assert refused.status_code == 409
    assert refused.data["code"] == "milestone_done"
    assert Milestone.objects.get(pk=other.pk).remind_at is not None


def test_it_lets_only_the_task_force_and_its_leader_report(district, project):
    data = {"kind": kind("签约").pk, "planned_on": "2026-12-14"}

    assert post(district, district.sam, url(project, "plan"), data).status_code == 403
    assert post(district, district.sam, url(project, "reach"), {}).status_code == 403  # before the form is read
    assert post(district, district.alice, url(project, "plan"), data).status_code == 403
    assert post(district, district.otto, url(project, "plan"), data).status_code == 404
    assert post(district, district.bob, url(project, "plan"), data).status_code == 404
    assert post(district, district.leo, url(project, "plan"), data).status_code == 200
    assert not Milestone.objects.filter(planned_by__in=[district.sam, district.alice]).exists()


def test_it_shows_the_enterprise_its_nodes_but_not_the_internal_notes(district, project):
    milestone = planned(district, project)
    Milestone.objects.filter(pk=milestone.pk).update(notes="用地指标尚未下达")

    with travel(BEFORE):
        alice = district.client(district.alice).get(url(project)).data
        carol = district.client(district.carol).get(url(project)).data
        bob = district.client(district.bob).get(url(project))
        otto = district.client(district.otto).get(PROJECTS).data

    assert alice["milestones"][0]["planned_on"] == "2026-12-14"
    assert "notes" not in alice["milestones"][0]
    assert carol["milestones"][0]["notes"] == "用地指标尚未下达"
    assert bob.status_code == 404
    assert otto["count"] == 0


def test_it_sums_the_years_investment_against_its_plan(district, project):
    for month, amount in (("2026-10-01", "1200.50"), ("2026-11-15", "800"), ("2025-12-01", "999")):
        response = post(district, district.carol, url(project, "investment"), {"month": month, "amount": amount})
        assert response.status_code == 200, response.data
    post(district, district.carol, url(project, "investment"), {"month": "2026-11-01", "amount": "900"})
    post(district, district.carol, url(project, "year-plan"), {"year": 2026, "planned_investment": "5000"})

    with travel(BEFORE):
        row = district.client(district.leo).get(PROJECTS).data["results"][0]

    assert (row["planned_investment"], row["completed_investment"]) == ("5000.00", "2100.50")


def test_it_refuses_a_node_reached_in_the_future_and_a_month_not_begun(district, project):
    milestone = planned(district, project)

    reach = post(district, district.carol, url(project, "reach"), {"kind": milestone.kind_id, "done_on": "2026-12-02"})
    month = post(district, district.carol, url(project, "investment"), {"month": "2027-01-01", "amount": "1"})
    unplanned = post(
        district, district.carol, url(project, "reach"), {"kind": kind("投产").pk, "done_on": "2026-11-02"}
    )

    assert (reach.status_code, reach.data["code"]) == (400, "done_in_future")
    assert (month.status_code, month.data["code"]) == (400, "month_in_future")
    assert (unplanned.status_code, unplanned.data["code"]) == (400, "milestone_not_planned")


def test_it_files_a_problem_against_a_project_of_the_cases_own_enterprise_only(district, project):
    hongda_project = KeyProject.objects.create(name="宏达智能产线", enterprise=district.hongda, leader=district.leo)
    problem = {"category": district.infrastructure.pk, "title": "施工用电未接入", "description": "开工节点受阻。"}

    refused = post(district, district.alice, "/api/v1/cases/", {**problem, "project": hongda_project.pk})
    filed = post(district, district.alice, "/api/v1/cases/", {**problem, "project": project.pk})

    assert (refused.status_code, refused.data["code"]) == (400, "project_invalid")
    assert filed.status_code == 201, filed.data
    assert filed.data["project"] == {"id": project.pk, "name": "亿鑫新材料一期"}
    with travel(BEFORE):
        detail = district.client(district.leo).get(url(project)).data
    assert detail["open_cases"] == 1
    assert [case["number"] for case in detail["open_case_list"]] == [filed.data["number"]]


def test_it_lists_projects_in_a_constant_number_of_queries(district, project):
    def list_queries() -> int:
        with travel(BEFORE), CaptureQueriesContext(connection) as captured:
            response = district.client(district.sam).get(PROJECTS)
        assert response.status_code == 200
        return len(captured)

    planned(district, project)
    list_queries()  # sam's roles are loaded once and kept on his user object
    one = list_queries()
    for number in range(3):
        other = KeyProject.objects.create(name=f"项目{number}", enterprise=district.hongda, leader=district.leo)
        post(district, district.leo, url(other, "plan"), {"kind": kind("签约").pk, "planned_on": "2026-12-14"})
        post(district, district.leo, url(other, "investment"), {"month": "2026-11-01", "amount": "10"})

    assert list_queries() == one
