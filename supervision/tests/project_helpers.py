"""A key project of Yixin for the milestone tests, and the task force's reports through the API.

The project is headed by leo (包保领导); its task force is hank at the city-leader level, carla of a city
department and carol as the district liaison.
"""

from datetime import date

from enterprises.models import KeyProject, TaskForceLevel, TaskForceMember
from supervision.projects.models import Milestone, MilestoneKind

from .helpers import at, travel

PROJECTS = "/api/v1/projects/"
PLANNED_ON = date(2026, 12, 14)  # a Monday; five working days before it is Monday 7 December
BEFORE = at(2026, 12, 1, 10)


def key_project(district) -> KeyProject:
    project = KeyProject.objects.create(name="亿鑫新材料一期", enterprise=district.yixin, leader=district.leo)
    for user, level in (
        (district.hank, TaskForceLevel.CITY_LEADER),
        (district.carla, TaskForceLevel.CITY_DEPARTMENT),
        (district.carol, TaskForceLevel.DISTRICT_LIAISON),
    ):
        TaskForceMember.objects.create(project=project, user=user, level=level)
    return project


def url(project: KeyProject, action: str = "") -> str:
    return f"{PROJECTS}{project.pk}/{action + '/' if action else ''}"


def kind(name_zh: str) -> MilestoneKind:
    return MilestoneKind.objects.get(name_zh=name_zh)


def post(district, user, address: str, data: dict, *, when=BEFORE):
    with travel(when):
        return district.client(user).post(address, data, format="json")


def planned(district, project, name_zh: str = "开工", planned_on: date = PLANNED_ON) -> Milestone:
    """Planned by carol of the task force through the API."""
    response = post(
        district, district.carol, url(project, "plan"), {"kind": kind(name_zh).pk, "planned_on": planned_on}
    )
    assert response.status_code == 200, response.data
    return Milestone.objects.get(project=project, kind=kind(name_zh))
