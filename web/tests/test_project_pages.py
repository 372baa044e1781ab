"""The key-project pages (挂图作战): the board with its colours, filters and export, a project's page, and the
task force's reports and a problem filed against a project from the browser's forms. The project and its task
force are supervision/tests/project_helpers'."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cases.models import Case
from enterprises.models import KeyProject, TaskForceLevel, TaskForceMember
from notifications.models import Notification
from supervision.projects.models import Milestone
from supervision.projects.reminders import milestones_sweep
from supervision.tests.helpers import at, travel
from supervision.tests.project_helpers import BEFORE, PLANNED_ON, key_project, kind, planned

from .helpers import flashed, signed_in


@pytest.fixture
def project(district) -> KeyProject:
    return key_project(district)


def test_it_shows_the_board_with_nodes_coloured_by_state_in_a_constant_number_of_queries(district, project):
    planned(district, project, "签约", date(2026, 11, 2))
    planned(district, project, "开工")
    client = signed_in(district.leo)

    def board_queries() -> tuple[int, str]:
        with travel(at(2026, 12, 8, 10)), CaptureQueriesContext(connection) as captured:
            response = client.get("/projects/")
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, page = board_queries()
    assert 'class="node node--late"' in page and 'class="node node--due_soon"' in page
    assert "亿鑫新材料一期" in page
    for number in range(3):
        other = KeyProject.objects.create(name=f"项目{number}", enterprise=district.hongda, leader=district.leo)
        planned(district, project, "投产")
        Milestone.objects.create(
            project=other, kind=kind("土地"), planned_on=PLANNED_ON, due_at=at(2026, 12, 14, 17, 30)
        )
    many, page = board_queries()
    assert many == few
    assert page.count('class="node node--due_soon"') == 5


def test_it_offers_the_board_in_the_menu_to_a_task_force_member_without_a_unit_role(district, project):
    city_leader = User.objects.create_user(username="mayor", first_name="孟市长")
    TaskForceMember.objects.create(project=project, user=city_leader, level=TaskForceLevel.CITY_LEADER)
    nobody = User.objects.create_user(username="nobody")

    home = signed_in(city_leader).get("/", follow=True)
    refused = signed_in(nobody).get("/projects/")

    assert home.redirect_chain == [("/projects/", 302)]
    assert 'href="/projects/"' in home.content.decode() and "亿鑫新材料一期" in home.content.decode()
    assert refused.status_code == 403 and 'href="/projects/"' not in refused.content.decode()
    assert signed_in(nobody).get("/projects/export.xlsx").status_code == 403


def test_it_filters_the_board_by_state_and_exports_the_same_rows(district, project):
    planned(district, project, "签约", date(2026, 11, 2))
    quiet = KeyProject.objects.create(name="宏达智能产线", enterprise=district.hongda, leader=district.leo)
    client = signed_in(district.sam, "en")

    with travel(at(2026, 12, 8, 10)):
        page = client.get("/projects/", {"state": "late"}).content.decode()
        export = client.get("/projects/export.xlsx", {"state": "late"})

    assert "亿鑫新材料一期" in page and quiet.name not in page
    sheet = load_workbook(BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("Project", "Enterprise", "Leader", "Contract signed")
    assert [row[0] for row in rows[1:]] == ["亿鑫新材料一期"]
    assert rows[1][3] == "planned 2026-11-02 (Late)"


def test_it_lets_the_task_force_report_from_the_project_page(district, project):
    client = signed_in(district.carol)
    with travel(BEFORE):
        response = client.post(f"/projects/{project.pk}/plan/", {"kind": kind("土地").pk, "planned_on": "2026-12-14"})
        assert flashed(response) == ["节点计划已保存。"]
        milestone = Milestone.objects.get(project=project)
        client.post(f"/projects/{project.pk}/reach/", {"milestone": milestone.pk, "done_on": "2026-11-30"})
        client.post(f"/projects/{project.pk}/investment/", {"month": "2026-11", "amount": "350"})
        page = signed_in(district.alice).get(f"/projects/{project.pk}/").content.decode()

    assert Milestone.objects.get(pk=milestone.pk).done_on == date(2026, 11, 30)
    assert project.investments.get().amount == Decimal("350.00")
    assert 'class="node node--done"' in page and "2026-11-30" in page
    assert "/reach/" not in page  # the enterprise reads the page but reports nothing


def test_it_files_a_problem_against_a_project_from_the_page_and_the_case_shows_it(district, project):
    client = signed_in(district.alice)
    form = client.get("/my/cases/new/").content.decode()
    assert "亿鑫新材料一期" in form

    response = client.post(
        "/my/cases/new/",
        {
            "enterprise": district.yixin.pk,
            "category": district.infrastructure.pk,
            "title": "施工用电未接入",
            "description": "开工节点受阻。",
            "project": project.pk,
        },
    )

    case = Case.objects.get(title="施工用电未接入")
    assert response.status_code == 302 and case.project == project
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/projects/{project.pk}/"' in page


def test_it_opens_the_project_page_from_a_late_node_reminder_in_the_inbox(district, project):
    planned(district, project)
    with travel(at(2026, 12, 17, 9)):
        milestones_sweep()
        reminder = Notification.objects.get(recipient=district.leo, kind="reminder_milestone_escalated")
        response = signed_in(district.leo).post(f"/inbox/{reminder.pk}/read/")

    assert response.status_code == 302 and response["Location"] == f"/projects/{project.pk}/"
