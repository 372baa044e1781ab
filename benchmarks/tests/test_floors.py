"""A floor reads what its page shows: a lighter floor would measure what the page shows more, not how well."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from accounts.services.invitations import invitation_create
from benchmarks import floors
from enterprises.access import roles_for_user
from enterprises.models import Enterprise, Unit
from enterprises.services import service_assignment_change
from supervision.circulars.services import circular_create, circular_publish
from supervision.meetings.services import flag_create, meeting_create
from supervision.ratings.services import rectification_return, rectification_submit
from supervision.tests.helpers import rated_case, rectification_of
from supervision.visits.models import VisitMode
from supervision.visits.selectors import duties_of
from supervision.visits.services import visit_duties_recompute, visit_record
from web.forms.ratings import RectificationFilterForm
from web.queries import served_by_name, served_page
from web.views.meetings import meetings_listed, pool_of
from web.views.ratings import filtered_rectifications
from workflow.services import case_file
from workflow.tests.helpers import assigned_case

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def moment(value) -> datetime | None:
    """A moment as the floor's database returns it: SQLite as text in UTC."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if isinstance(value, str) else value


def listed(value) -> list:
    """An aggregated JSON list as the floor's database returns it: SQLite as text, PostgreSQL NULL for none."""
    return json.loads(value) if isinstance(value, str) else (value or [])


@pytest.mark.django_db
def test_the_served_floor_reads_each_rows_contact_status_last_visit_and_duties_as_the_page_does(district):
    with time_machine.travel(NOW, tick=False):
        invited = Enterprise.objects.create(
            name="未登录企业", credit_code="91110000600030000X", township=district.township
        )
        service_assignment_change(enterprise=invited, unit=district.industry, cadre=district.carol)
        invitation_create(acting_user=district.carol, username="new-contact", enterprise=invited, name="新联系人")
        visit_record(
            enterprise=district.yixin,
            acting_user=district.carol,
            visited_at=NOW - timedelta(days=3),
            mode=VisitMode.ON_SITE,
            met_with="企业负责人",
            notes="了解生产经营情况。",
        )
        visit_duties_recompute(enterprise_ids=[district.yixin.pk, invited.pk])
        assigned_case(district)
        listing = served_by_name(district.carol)
        page = served_page(district.carol, [pk for pk, _active in listing], now=NOW)
        duties = duties_of(enterprise.pk for enterprise in page)
        query = floors.served(
            user_id=district.carol.pk, now=NOW, page_size=20, postgresql=connection.vendor == "postgresql"
        )
        with connection.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            rows = [dict(zip(query.columns, row, strict=True)) for row in cursor.fetchall()]

    assert [row["id"] for row in rows] == [enterprise.pk for enterprise in page]
    for row, enterprise in zip(rows, page, strict=True):
        assert bool(row["has_active_contact"]) == enterprise.has_active_contact
        assert bool(row["has_pending_invitation"]) == enterprise.has_pending_invitation
        assert (row["open"], row["overdue"]) == (enterprise.open_count or 0, enterprise.overdue_count or 0)
        assert moment(row["last_visit_at"]) == enterprise.last_visit_at
        assert len(listed(row["duties"])) == len(duties.get(enterprise.pk, []))
        assert row["without_contact"] == sum(not active for _pk, active in listing)
    assert any(row["has_pending_invitation"] for row in rows) and any(row["last_visit_at"] for row in rows)
    assert any(listed(row["duties"]) for row in rows)


@pytest.mark.django_db
def test_the_rectifications_floor_reads_each_rows_report_its_author_the_note_and_the_returns_as_the_page_does(
    district,
):
    rated = NOW - timedelta(days=2)
    returned = rectification_of(rated_case(district, 1, rated))
    rectification_of(rated_case(district, 2, rated))
    with time_machine.travel(NOW, tick=False):
        reported = rectification_submit(rectification=returned, acting_user=district.hank, report="已上门核实。")
        rectification_return(rectification=reported, acting_user=district.sam, reason="缺少整改照片。")
        page = list(filtered_rectifications(district.sam, RectificationFilterForm({}))[:20])
        query = floors.rectifications(scope=None, page_size=20)
        with connection.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            rows = [dict(zip(query.columns, row, strict=True)) for row in cursor.fetchall()]

    assert [row["id"] for row in rows] == [rectification.pk for rectification in page]
    for row, rectification in zip(rows, page, strict=True):
        assert (row["report"], row["decision_note"], row["return_count"]) == (
            rectification.report,
            rectification.decision_note,
            rectification.return_count,
        )
        author = rectification.submitted_by
        assert row["submitted_by_username"] == (author.username if author else None)
        assert (row["number"], row["enterprise"], row["unit"]) == (
            rectification.case.number,
            rectification.case.enterprise.name,
            rectification.unit.name,
        )
        assert row["total"] == len(page)
    assert any(row["decision_note"] and row["submitted_by_username"] == "hank" for row in rows)


@pytest.mark.django_db
def test_the_meetings_floor_reads_the_meetings_with_their_units_and_counts_then_the_pool_as_the_page_does(district):
    def flagged(title: str):
        case = case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title=title,
            description=f"{title}，需多部门协调。",
        )
        return flag_create(case=case, acting_user=district.carol, kind="several_departments", reason="需共同协调。")

    with time_machine.travel(NOW, tick=False):
        for index in range(2):
            flagged(f"上会议题{index}")
        meeting_create(
            acting_user=district.sam,
            held_on=NOW.date(),
            chair=district.leo,
            participating_units=[district.industry, district.commerce],
            title="十二月联审会办会",
        )
        waiting = [flagged(f"待议{index}") for index in range(3)]
        meetings = list(meetings_listed(district.sam))
        pool = list(pool_of(district.sam))
        query = floors.meetings(
            jurisdiction_ids=frozenset(Unit.objects.values_list("pk", flat=True)),
            scope=None,
            page_size=2,
            postgresql=connection.vendor == "postgresql",
        )
        with connection.cursor() as cursor:
            cursor.execute(query.sql, query.params)
            rows = [dict(zip(query.columns, row, strict=True)) for row in cursor.fetchall()]

    shown_meetings = [row for row in rows if row["part"] == 1]
    assert [row["id"] for row in shown_meetings] == [meeting.pk for meeting in meetings]
    for row, meeting in zip(shown_meetings, meetings, strict=True):
        assert row["participating"] == "、".join(unit.name for unit in meeting.participating_units.all())
        assert (row["items"], row["open_items"], row["total"]) == (meeting.items_count, meeting.open_count, 1)
    shown_flags = [row for row in rows if row["part"] == 2]
    assert [row["id"] for row in shown_flags] == [flag.id for flag in pool[:2]]
    assert {flag.id for flag in pool} == {flag.pk for flag in waiting}
    assert all(row["total"] == pool[0].total == 3 for row in shown_flags)
    assert [row["number"] for row in shown_flags] == [flag.number for flag in pool[:2]]


@pytest.mark.django_db
def test_the_circulars_floor_reads_a_supervisors_drafts_then_the_published_as_the_page_lists_them(district, client):
    with time_machine.travel(NOW, tick=False):
        for _ in range(2):
            circular = circular_create(acting_user=district.sam, period="2026-11")
            circular_publish(circular=circular, acting_user=district.sam, version=circular.version)
        circular_create(acting_user=district.sam, period="2026-10")
        shown = {}
        for person, drafted_in in (
            (district.sam, roles_for_user(district.sam).supervised_unit_ids),
            (district.dave, None),
        ):
            client.force_login(person)
            page = client.get("/supervision/circulars/").content.decode()
            query = floors.circulars(drafted_in=drafted_in, page_size=20)
            with connection.cursor() as cursor:
                cursor.execute(query.sql, query.params)
                rows = [dict(zip(query.columns, row, strict=True)) for row in cursor.fetchall()]
            assert [row["id"] for row in rows] == [int(found) for found in re.findall(r'id="circular-(\d+)"', page)]
            shown[person.username] = [(row["part"], row["total"]) for row in rows]

    assert shown == {"sam": [(1, 1), (2, 2), (2, 2)], "dave": [(2, 2), (2, 2)]}
