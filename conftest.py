"""Shared fixtures: a small district with one named person per role.

alice files for Yixin Chemical, bob for Hongda Machinery (another enterprise).
carol is the cadre of the Industry Bureau who serves Yixin; dave a cadre of the
Commerce Bureau; hank heads the Industry Bureau; dora dispatches; sam supervises
the district; leo leads it.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from cases.models import Category
from enterprises.models import Enterprise, EnterpriseContact, Role, Unit, UnitKind, UnitMembership
from enterprises.services import service_assignment_change
from notifications import tasks as notification_tasks

PASSWORD = "test-pass-123"


class District:
    """Everyone and everything a test needs, by name."""

    def __init__(self) -> None:
        User = get_user_model()

        def person(username: str, name: str):
            user = User.objects.create_user(username=username, password=PASSWORD, first_name=name)
            return user

        self.district = Unit.objects.create(name="示范区人民政府", kind=UnitKind.DISTRICT)
        self.industry = Unit.objects.create(name="工业和信息化局", kind=UnitKind.BUREAU, parent=self.district)
        self.industry_office = Unit.objects.create(name="工信局企业服务科", kind=UnitKind.BUREAU, parent=self.industry)
        self.commerce = Unit.objects.create(name="商务局", kind=UnitKind.BUREAU, parent=self.district)
        self.township = Unit.objects.create(name="新华街道", kind=UnitKind.STREET, parent=self.district)
        self.dispatch = Unit.objects.create(name="调度室", kind=UnitKind.DISPATCH, parent=self.district)
        self.supervision = Unit.objects.create(name="督查考核办公室", kind=UnitKind.SUPERVISION, parent=self.district)
        self.other_district = Unit.objects.create(name="邻区人民政府", kind=UnitKind.DISTRICT)
        self.other_bureau = Unit.objects.create(name="邻区发改局", kind=UnitKind.BUREAU, parent=self.other_district)

        self.yixin = Enterprise.objects.create(
            name="亿鑫化工有限公司", credit_code="91110000600037341L", industry="化工", township=self.township
        )
        self.hongda = Enterprise.objects.create(
            name="宏达机械制造有限公司", credit_code="91440300708461136T", industry="装备制造", township=self.township
        )

        self.alice = person("alice", "王丽")
        self.bob = person("bob", "赵博")
        EnterpriseContact.objects.create(user=self.alice, enterprise=self.yixin)
        EnterpriseContact.objects.create(user=self.bob, enterprise=self.hongda)

        self.carol = person("carol", "陈静")
        self.carla = person("carla", "陈卡")
        self.dave = person("dave", "刘德")
        self.hank = person("hank", "黄海")
        self.dora = person("dora", "杜拉")
        self.sam = person("sam", "孙明")
        self.leo = person("leo", "李强")
        self.otto = person("otto", "欧涛")
        UnitMembership.objects.create(user=self.carol, unit=self.industry, role=Role.CADRE)
        UnitMembership.objects.create(user=self.carla, unit=self.industry_office, role=Role.CADRE)
        UnitMembership.objects.create(user=self.dave, unit=self.commerce, role=Role.CADRE)
        UnitMembership.objects.create(user=self.hank, unit=self.industry, role=Role.UNIT_HEAD)
        UnitMembership.objects.create(user=self.dora, unit=self.dispatch, role=Role.DISPATCHER)
        UnitMembership.objects.create(
            user=self.sam, unit=self.supervision, role=Role.SUPERVISOR, jurisdiction=self.district
        )
        UnitMembership.objects.create(user=self.leo, unit=self.district, role=Role.LEADER)
        UnitMembership.objects.create(
            user=self.otto, unit=self.other_bureau, role=Role.SUPERVISOR, jurisdiction=self.other_district
        )

        service_assignment_change(enterprise=self.yixin, unit=self.industry, cadre=self.carol, leader=self.leo)
        self.infrastructure = Category.objects.get(code="infrastructure")
        self.financing = Category.objects.get(code="financing")

    def client(self, user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client


@pytest.fixture
def district(db) -> District:
    # SQLite asks itself once per connection whether it has JSON functions (the case page's query uses them):
    # asked here, not inside the first test's counted queries.
    connection.features.supports_json_field  # noqa: B018
    return District()


@pytest.fixture(autouse=True)
def broker_assumed_up(monkeypatch):
    """A test that found the broker down must not make the next one skip its enqueues."""
    monkeypatch.setattr(notification_tasks, "_broker_down_until", None)


@pytest.fixture(autouse=True)
def fresh_language():
    """Each test starts in no activated language, like a fresh worker thread: a request's locale middleware
    leaves the language it chose active in the thread, which would make later tests depend on the order."""
    translation.deactivate()
    yield
    translation.deactivate()


def pytest_runtest_setup(item):
    """``@pytest.mark.postgres_only`` tests run on PostgreSQL (scripts/with-postgres) and are skipped on SQLite."""
    if item.get_closest_marker("postgres_only"):
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL: run it under scripts/with-postgres")
