"""The overdue circular (督办通报): its draft content, editing, numbering, immutability, visibility and exports.

The history is counted by hand as of Wednesday 18 November 2026 10:00 (Asia/Shanghai); deadlines
(docs/deadlines.md): 1 working day to route, 7 to resolve, 5 after a reopen, each ending 17:30.

road      alice's (Yixin → carol, industry), filed Mon 2 Nov; due Wed 11 Nov: 5 working days overdue
permit    alice's, filed Thu 5 Nov; due Mon 16 Nov: 2 working days overdue
loan      bob's (Hongda), dora routes it to dave (commerce) Wed 4 Nov; due Fri 13 Nov: 3 working days overdue
returned  alice's, filed Thu 12 Nov, sent back by carol Mon 16 Nov; routing due Tue 17 Nov: 1 day, no unit
pole      alice's, filed Mon 9 Nov, resolved by carol Tue 10 Nov, reopened by alice Wed 11 Nov; due Wed 18 Nov
          17:30, not yet overdue
"""

import threading
from datetime import datetime
from io import BytesIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_fsm import has_transition_perm
from django_fsm_log.models import StateLog
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from cases.models import Case, UrgingLevel
from core.errors import NotPermitted
from enterprises.models import Role, UnitMembership
from notifications import tasks as notification_tasks
from notifications.models import Notification
from supervision.circulars.models import Circular, CircularPublished, CircularState
from supervision.circulars.services import circular_publish
from supervision.circulars.snapshot import worst_performers
from supervision.common_problems.services import common_problem_raise
from workflow import services
from workflow.workdays import SHANGHAI

URL = "/api/v1/supervision/circulars/"
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def local(day: int, hour: int, minute: int = 0, *, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def frozen():
    with travel(NOW):
        yield


def file_case(district, *, at: datetime, title: str, user=None, enterprise=None, category=None) -> Case:
    with travel(at):
        return services.case_file(
            acting_user=user or district.alice,
            enterprise=enterprise or district.yixin,
            category=category or district.infrastructure,
            title=title,
            description=f"{title}的详细情况",
        )


@pytest.fixture
def history(district):
    d = district
    road = file_case(d, at=local(2, 10), title="园区道路破损")
    with travel(local(3, 9)):
        road = services.case_accept(case=road, acting_user=d.carol)
    with travel(local(17, 9)):
        road = services.case_urge(
            case=road, acting_user=d.sam, level=UrgingLevel.SUPERVISED, note="请尽快办理", answer_due_at=local(20, 17)
        )
    permit = file_case(d, at=local(5, 9), title="施工许可办理")
    loan = file_case(d, at=local(4, 9), user=d.bob, enterprise=d.hongda, category=d.financing, title="贷款贴息")
    with travel(local(4, 10)):
        loan = services.case_assign(case=loan, acting_user=d.dora, assignee=d.dave, unit=d.commerce)
    returned = file_case(d, at=local(12, 9), title="项目用地地上物迁移")
    with travel(local(16, 9)):
        returned = services.case_send_back(case=returned, acting_user=d.carol, reason="属于街道职责")
    pole = file_case(d, at=local(9, 9), title="电线杆迁移")
    with travel(local(10, 9)):
        pole = services.case_resolve(case=pole, acting_user=d.carol, resolution_type="solved", reply="已迁移")
    with travel(local(11, 9)):
        pole = services.case_reopen(case=pole, acting_user=d.alice, reason="尚未迁移完毕")
    return {"road": road, "permit": permit, "loan": loan, "returned": returned, "pole": pole}


def create(district, user=None, **body):
    return district.client(user or district.sam).post(URL, body, format="json")


def draft(district, **body) -> dict:
    response = create(district, **(body or {"period": "2026-11"}))
    assert response.status_code == 201, response.json()
    return response.json()


def detail_url(circular: dict | Circular, suffix: str = "") -> str:
    pk = circular.pk if isinstance(circular, Circular) else circular["id"]
    return f"{URL}{pk}/{suffix}"


def publish(district, circular: dict, user=None):
    body = {"version": circular["version"]}
    return district.client(user or district.sam).post(detail_url(circular, "publish/"), body, format="json")


def published(district, **body) -> dict:
    response = publish(district, draft(district, **body))
    assert response.status_code == 200, response.json()
    return response.json()


def row_values(circular_id: int) -> dict:
    return Circular.objects.filter(pk=circular_id).values().get()


# --- the draft -----------------------------------------------------------------------------------------------


def test_it_generates_a_draft_with_the_overdue_cases_by_unit_and_by_person(district, history):
    circular = draft(district)

    assert circular["state"] == "draft"
    assert circular["number"] == ""
    assert circular["period"]["text"] == "2026年11月"
    assert circular["title"] == "关于2026年11月企业诉求逾期办理情况的通报"
    assert circular["jurisdiction"] == {"id": district.district.pk, "name": "示范区人民政府"}
    assert circular["issuing_unit"]["name"] == "督查考核办公室"
    content = circular["content"]
    by_unit = [
        (group["unit"]["name"] if group["unit"] else None, [(c["number"], c["workdays"]) for c in group["cases"]])
        for group in content["overdue_by_unit"]
    ]
    assert by_unit == [
        ("工业和信息化局", [(history["road"].number, 5), (history["permit"].number, 2)]),
        ("商务局", [(history["loan"].number, 3)]),
        (None, [(history["returned"].number, 1)]),
    ]
    road = content["overdue_by_unit"][0]["cases"][0]
    assert road["title"] == "园区道路破损"
    assert road["enterprise"] == "亿鑫化工有限公司"
    assert road["assignee"] == {"id": district.carol.pk, "name": "陈静"}
    assert road["urging_level"] == UrgingLevel.SUPERVISED
    people = [
        (person["person"]["name"] if person["person"] else None, person["count"], person["max_workdays"])
        for person in content["overdue_by_person"]
    ]
    assert people == [("陈静", 2, 5), ("刘德", 1, 3), (None, 1, 1)]
    summary = content["summary"]
    assert (summary["filed"], summary["overdue"], summary["overdue_units"]) == (5, 4, 2)
    assert (summary["sent_back"], summary["reopened"]) == (1, 1)
    # Due for resolution (应办结): road, permit and loan, past their deadlines and unresolved, and pole,
    # answered on Tuesday 10 before its deadline of the 18th (its reopened clock is not due yet): 1 / 4.
    assert (summary["due"], summary["resolved_on_time"], summary["on_time_rate"]) == (4, 1, 0.25)


def test_it_lists_returned_cases_by_unit_and_ranks_the_units_like_the_rates_table(district, history):
    content = draft(district)["content"]

    (industry,) = content["returned_by_unit"]
    assert industry["unit"]["name"] == "工业和信息化局"
    assert (industry["sent_back"], industry["reopened"]) == (1, 1)
    assert [(case["number"], case["kind"]) for case in industry["cases"]] == [
        (history["pole"].number, "reopen"),
        (history["returned"].number, "send_back"),
    ]
    rates = district.client(district.sam).get("/api/v1/supervision/rates/", {"period": "2026-11"}).json()
    ranked = [(row["unit"]["id"], row["tier"], row["rank"], row["score"]) for row in rates["rows"]]
    snapshot = [(entry["unit"]["id"], entry["tier"], entry["rank"], entry["score"]) for entry in content["ranking"]]
    assert snapshot == [row for row in ranked if row[1] in ("bureau", "local")]
    assert district.other_bureau.pk not in {entry["unit"]["id"] for entry in content["ranking"]}


def test_it_names_the_lowest_ranked_units_of_each_tier_below_first_place_with_ties_kept_whole():
    def entry(tier: str, name: str, rank: int | None) -> dict:
        return {"tier": tier, "rank": rank, "unit": {"id": hash(name), "name": name}}

    ranking = [
        entry("bureau", "甲", 1),
        entry("bureau", "乙", 2),
        entry("bureau", "丙", 3),
        entry("bureau", "丁", 3),
        entry("bureau", "戊", None),
        entry("local", "一街道", 1),
        entry("local", "二街道", 1),
    ]

    assert [w["unit"]["name"] for w in worst_performers(ranking, 1)] == ["丁", "丙"]
    assert [w["unit"]["name"] for w in worst_performers(ranking, 3)] == ["丁", "丙", "乙"]
    assert worst_performers([entry("bureau", "甲", 1)], 3) == []


def test_it_keeps_the_snapshot_until_the_draft_is_regenerated(district, history):
    circular = draft(district)
    with travel(local(18, 11)):
        services.case_resolve(
            case=Case.objects.get(pk=history["road"].pk),
            acting_user=district.carol,
            resolution_type="solved",
            reply="已修复",
        )

    unchanged = district.client(district.sam).get(detail_url(circular)).json()
    assert unchanged["content"] == circular["content"]
    with travel(local(18, 12)):
        response = district.client(district.sam).post(
            detail_url(circular, "regenerate/"), {"version": circular["version"]}, format="json"
        )

    assert response.status_code == 200, response.json()
    regenerated = response.json()
    assert regenerated["version"] == circular["version"] + 1
    numbers = {c["number"] for group in regenerated["content"]["overdue_by_unit"] for c in group["cases"]}
    assert history["road"].number not in numbers
    assert regenerated["content"]["summary"]["overdue"] == 3


def test_it_takes_explicit_dates_and_refuses_a_period_it_cannot_use(district, history):
    circular = draft(district, start="2026-11-01", end="2026-11-15")
    assert (circular["period"]["kind"], circular["period"]["label"]) == ("dates", "2026-11-01~2026-11-15")
    assert circular["period"]["text"] == "2026年11月1日至2026年11月15日"
    assert datetime.fromisoformat(circular["period"]["end"]) == local(16, 0)
    # Filed by the 15th: road, permit, loan, returned, pole.
    assert circular["content"]["summary"]["filed"] == 5

    for body, code in [
        ({"period": "2026-13"}, "period"),
        ({"period": "2027-01"}, "period_in_future"),
        ({"start": "2026-11-15", "end": "2026-11-01"}, "period"),
        ({"period": "2026-11", "start": "2026-11-01", "end": "2026-11-02"}, "period"),
        ({"period": "2026-11", "worst_count": 0}, "worst_count"),
        ({}, "period"),
    ]:
        response = create(district, **body)
        assert (response.status_code, response.json()["code"]) == (400, code), body


# --- editing -------------------------------------------------------------------------------------------------


def test_it_edits_a_draft_and_refuses_a_stale_copy(district, history):
    circular = draft(district)
    client = district.client(district.sam)
    industry = str(district.industry.pk)

    response = client.patch(
        detail_url(circular),
        {
            "version": circular["version"],
            "title": "关于11月份逾期诉求的通报",
            "requirements": "请于11月25日前报送整改情况。",
            "unit_comments": {industry: "逾期件数最多，请主要负责同志亲自督办。"},
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    edited = response.json()
    assert edited["title"] == "关于11月份逾期诉求的通报"
    assert edited["requirements"] == "请于11月25日前报送整改情况。"
    assert edited["unit_comments"] == {industry: "逾期件数最多，请主要负责同志亲自督办。"}
    assert edited["version"] == circular["version"] + 1

    stale = client.patch(
        detail_url(circular),
        {"version": circular["version"], "title": "旧稿"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_circular"
    assert Circular.objects.get(pk=circular["id"]).title == "关于11月份逾期诉求的通报"

    unnamed = client.patch(
        detail_url(circular),
        {"version": edited["version"], "unit_comments": {str(district.township.pk): "无逾期"}},
        format="json",
    )
    assert (unnamed.status_code, unnamed.json()["code"]) == (400, "unit_not_named")
    assert client.patch(detail_url(circular), {"title": "无版本"}, format="json").status_code == 400


def test_it_deletes_a_draft(district, history):
    circular = draft(district)

    response = district.client(district.sam).delete(f"{detail_url(circular)}?version={circular['version']}")

    assert response.status_code == 204
    assert not Circular.objects.filter(pk=circular["id"]).exists()


def test_it_deletes_or_regenerates_only_the_version_the_supervisor_read(district, history):
    circular = draft(district)
    client = district.client(district.sam)
    # A colleague edits the draft while sam still has the first copy open.
    edited = client.patch(
        detail_url(circular), {"version": circular["version"], "title": "同事改后的标题"}, format="json"
    )
    before = row_values(circular["id"])

    attempts = {
        "regenerate without a version": client.post(detail_url(circular, "regenerate/"), {}, format="json"),
        "delete without a version": client.delete(detail_url(circular)),
        "regenerate an older copy": client.post(
            detail_url(circular, "regenerate/"),
            {"version": circular["version"]},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        ),
        "delete an older copy": client.delete(
            f"{detail_url(circular)}?version={circular['version']}", HTTP_ACCEPT_LANGUAGE="en"
        ),
    }

    refused = {what: (response.status_code, response.json().get("code")) for what, response in attempts.items()}
    assert refused == {
        "regenerate without a version": (400, "invalid"),
        "delete without a version": (400, "invalid"),
        "regenerate an older copy": (409, "stale_circular"),
        "delete an older copy": (409, "stale_circular"),
    }
    assert list(attempts["delete without a version"].json()["fields"]) == ["version"]
    assert attempts["delete an older copy"].json()["message"] == (
        "Someone else changed this circular a moment ago. Reload it and try again."
    )
    assert row_values(circular["id"]) == before
    fresh = edited.json()["version"]
    assert client.post(detail_url(circular, "regenerate/"), {"version": fresh}, format="json").status_code == 200
    assert client.delete(f"{detail_url(circular)}?version={fresh + 1}").status_code == 204


# --- publishing ----------------------------------------------------------------------------------------------


def test_it_numbers_published_circulars_in_sequence_per_year_and_starts_again_next_year(district, history):
    first = published(district)
    second = published(district, period="2026-Q4")
    with travel(local(5, 10, month=1, year=2027)):
        third = published(district, period="2026")

    assert [(c["year"], c["sequence"]) for c in (first, second, third)] == [(2026, 1), (2026, 2), (2027, 1)]
    assert first["number"] == "督办通报〔2026〕第1期"
    assert third["number"] == "督办通报〔2027〕第1期"
    assert first["state"] == "published"
    assert first["published_by"]["username"] == "sam"
    assert datetime.fromisoformat(first["published_at"]) == NOW
    english = district.client(district.sam).get(detail_url(second), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["number"] == "Supervision circular [2026] No. 2"


def test_it_refuses_to_change_a_published_circular_and_leaves_it_as_it_was(district, history):
    circular = published(district)
    before = row_values(circular["id"])
    client = district.client(district.sam)

    attempts = [
        client.patch(detail_url(circular), {"version": circular["version"], "title": "改"}, format="json"),
        client.post(detail_url(circular, "regenerate/"), {"version": circular["version"]}, format="json"),
        client.post(detail_url(circular, "publish/"), {"version": circular["version"]}, format="json"),
        client.delete(f"{detail_url(circular)}?version={circular['version']}"),
    ]

    for response in attempts:
        assert (response.status_code, response.json()["code"]) == (409, "circular_published")
    assert row_values(circular["id"]) == before
    assert Circular.objects.get(pk=circular["id"]).sequence == 1


def test_it_publishes_only_the_version_the_supervisor_reviewed(district, history):
    circular = draft(district)
    client = district.client(district.sam)
    edited = client.patch(detail_url(circular), {"version": circular["version"], "title": "改后的标题"}, format="json")

    unversioned = client.post(detail_url(circular, "publish/"), {}, format="json")
    stale = client.post(detail_url(circular, "publish/"), {"version": circular["version"]}, format="json")

    assert (unversioned.status_code, list(unversioned.json()["fields"])) == (400, ["version"])
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_circular")
    assert Circular.objects.get(pk=circular["id"]).state == CircularState.DRAFT
    assert publish(district, edited.json()).status_code == 200


def test_it_logs_who_published_the_circular(district, history):
    circular = published(district)

    log = StateLog.objects.for_(Circular.objects.get(pk=circular["id"])).get()
    assert (log.transition, log.source_state, log.state, log.by) == ("publish", "draft", "published", district.sam)
    assert log.timestamp == NOW


def test_it_refuses_a_supervisor_of_another_jurisdiction_to_publish(district, history):
    circular = Circular.objects.get(pk=draft(district)["id"])

    assert has_transition_perm(circular.publish, district.sam)
    assert not has_transition_perm(circular.publish, district.otto)
    with pytest.raises(NotPermitted):
        circular_publish(circular=circular, acting_user=district.otto, version=circular.version)
    assert not StateLog.objects.exists()


def test_it_lets_no_code_path_save_a_published_circular(district, history):
    circular = Circular.objects.get(pk=published(district)["id"])
    other_draft = draft(district)

    circular.title = "改"
    with pytest.raises(CircularPublished):
        circular.save()
    with pytest.raises(CircularPublished):
        circular.delete()
    with pytest.raises(CircularPublished):
        Circular.objects.filter(pk=circular.pk).update(title="改")
    with pytest.raises(CircularPublished):
        Circular.objects.all().delete()
    assert Circular.objects.get(pk=circular.pk).title != "改"
    assert Circular.objects.filter(pk=other_draft["id"]).update(introduction="改写") == 1


def test_it_notifies_the_heads_of_the_units_it_names_when_published(district, history):
    User = get_user_model()
    commerce_head = User.objects.create_user(username="cora", first_name="曹然")
    street_head = User.objects.create_user(username="stan", first_name="石安")
    UnitMembership.objects.create(user=commerce_head, unit=district.commerce, role=Role.UNIT_HEAD)
    UnitMembership.objects.create(user=street_head, unit=district.township, role=Role.UNIT_HEAD)
    circular = draft(district)
    assert not Notification.objects.filter(kind="circular_published").exists()

    publish(district, circular)

    notified = Notification.objects.filter(kind="circular_published", about=f"circular:{circular['id']}")
    assert sorted(notified.values_list("recipient__username", flat=True)) == ["cora", "hank"]
    hank = notified.get(recipient=district.hank)
    assert "督办通报〔2026〕第1期" in hank.subject + hank.body
    assert "工业和信息化局" in hank.subject + hank.body
    assert hank.link == detail_url(circular)


def test_it_publishes_nothing_when_the_notifications_cannot_be_written(district, history, monkeypatch):
    circular = draft(district)

    def broken(**kwargs):
        raise RuntimeError("notifications down")

    monkeypatch.setattr("supervision.circulars.services.notifications_create_many", broken)
    client = district.client(district.sam)
    client.raise_request_exception = False
    response = client.post(detail_url(circular, "publish/"), {"version": circular["version"]}, format="json")
    monkeypatch.undo()

    assert response.status_code == 500
    assert Circular.objects.get(pk=circular["id"]).state == CircularState.DRAFT
    assert not StateLog.objects.exists()
    assert published(district)["sequence"] == 1


# --- who sees what -------------------------------------------------------------------------------------------


def listed_ids(district, user) -> list[int]:
    response = district.client(user).get(URL)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_it_shows_published_circulars_to_every_official_and_drafts_only_to_their_supervisors(district, history):
    public = published(district)
    private = draft(district)

    assert listed_ids(district, district.sam) == [private["id"], public["id"]]
    for user in (district.carla, district.dave, district.hank, district.leo, district.otto):
        assert listed_ids(district, user) == [public["id"]]
        assert district.client(user).get(detail_url(public)).status_code == 200
        assert district.client(user).get(detail_url(private)).status_code == 404
    assert district.client(district.otto).post(detail_url(private, "publish/"), {}).status_code == 404


def test_it_refuses_enterprise_users_everything(district, history):
    public = published(district)

    for url in (URL, detail_url(public), detail_url(public, "pdf/"), detail_url(public, "xlsx/")):
        response = district.client(district.alice).get(url)
        assert (response.status_code, response.json()["code"]) == (403, "not_an_official"), url


def test_it_lets_only_supervisors_of_the_jurisdiction_prepare_circulars(district, history):
    assert create(district, district.carol, period="2026-11").status_code == 403
    assert create(district, district.leo, period="2026-11").status_code == 403
    response = create(district, district.otto, period="2026-11", jurisdiction=district.district.pk)
    assert (response.status_code, response.json()["code"]) == (403, "not_supervisor")
    # otto's own district has no cases: an empty circular, but his.
    own = create(district, district.otto, period="2026-11").json()
    assert own["jurisdiction"]["id"] == district.other_district.pk
    assert own["content"]["summary"]["overdue"] == 0
    assert own["content"]["overdue_by_unit"] == []


def test_it_lists_and_shows_circulars_in_a_constant_number_of_queries(district, history, django_assert_num_queries):
    first = published(district)

    def as_new_request(user):
        """A fresh user object, as each real request has: its roles are not cached yet."""
        return district.client(get_user_model().objects.get(pk=user.pk))

    # A cadre's roles (memberships, contacts and served enterprises in one query), then the count and the page.
    client = as_new_request(district.carla)
    with django_assert_num_queries(3):
        assert client.get(URL).json()["count"] == 1
    for period in ("2026-Q4", "2026", "2026-10"):
        published(district, period=period)
    draft(district)
    client = as_new_request(district.carla)
    with django_assert_num_queries(3):
        assert client.get(URL).json()["count"] == 4
    # A supervisor's roles bring the unit tree in the same query.
    client = as_new_request(district.sam)
    with django_assert_num_queries(3):
        assert client.get(URL).json()["count"] == 5
    # Roles, then the circular with its units and people in one query.
    client = as_new_request(district.carla)
    with django_assert_num_queries(2):
        assert client.get(detail_url(first)).status_code == 200
    client = as_new_request(district.sam)
    with django_assert_num_queries(2):
        assert client.get(detail_url(first)).status_code == 200


def test_it_lists_circulars_with_their_headline_numbers_without_reading_their_snapshots(district, history):
    """A snapshot runs to megabytes at a province's size: a list reads only the summary copied beside it."""
    circular = published(district)
    browser = Client()
    browser.force_login(district.carla)

    with CaptureQueriesContext(connection) as queries:
        listed = district.client(district.carla).get(URL).json()["results"]
        page = browser.get("/supervision/circulars/")

    assert listed[0]["summary"] == Circular.objects.get(pk=circular["id"]).content["summary"]
    assert listed[0]["summary"]["filed"] == 5
    assert all('"content"' not in query["sql"] for query in queries.captured_queries)
    assert page.status_code == 200 and circular["number"] in page.content.decode()


# --- exports -------------------------------------------------------------------------------------------------


def test_it_exports_the_circular_as_a_workbook_with_chinese_headers_and_its_number(district, history):
    circular = published(district)

    response = district.client(district.carla).get(detail_url(circular, "xlsx/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["概况", "逾期清单", "逾期人员", "退单重办", "综合排名", "共性问题"]
    summary = [[cell for cell in row] for row in workbook["概况"].iter_rows(values_only=True)]
    assert ["文号", "督办通报〔2026〕第1期"] == list(summary[1][:2])
    overdue = list(workbook["逾期清单"].iter_rows(values_only=True))
    assert list(overdue[0]) == [
        "责任单位",
        "案件编号",
        "诉求标题",
        "企业",
        "承办人",
        "逾期环节",
        "办结时限",
        "逾期工作日",
        "督办级别",
    ]
    assert overdue[1][:2] == ("工业和信息化局", history["road"].number)
    assert (overdue[1][7], overdue[1][8]) == (5, "督办")
    ranking = list(workbook["综合排名"].iter_rows(values_only=True))
    assert ranking[0][:4] == ("类别", "名次", "责任单位", "综合得分")
    assert ranking[1][:3] == ("部门", 1, "工业和信息化局")
    assert workbook["综合排名"]["F2"].number_format == "0.0%"


def test_it_exports_the_circular_as_a_pdf_with_the_chinese_font_embedded(district, history):
    circular = published(district)

    response = district.client(district.carla).get(detail_url(circular, "pdf/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    reader = PdfReader(BytesIO(data))
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    descriptors = [
        font["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts if "/DescendantFonts" in font
    ] + [font["/FontDescriptor"] for font in fonts if "/FontDescriptor" in font]
    assert any("/FontFile2" in descriptor for descriptor in descriptors)
    assert any("WenQuanYi" in str(font["/BaseFont"]) or "HuiyinCJK" in str(font["/BaseFont"]) for font in fonts)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "督办通报" in text
    assert "〔2026〕第1期" in text
    assert "工业和信息化局" in text
    assert history["road"].number in text


def test_it_marks_a_draft_pdf_as_a_draft(district, history):
    circular = draft(district)

    response = district.client(district.sam).get(detail_url(circular, "pdf/"))

    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(b"".join(response.streaming_content))).pages)
    assert "（草稿）" in text


def test_it_says_what_to_install_when_the_pdf_font_is_missing(district, history, settings):
    circular = published(district)
    settings.HUIYIN = {**settings.HUIYIN, "CIRCULAR_PDF_FONT": "/nonexistent/wqy-zenhei.ttc"}

    response = district.client(district.carla).get(detail_url(circular, "pdf/"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response.json()["code"] == "pdf_font_missing"
    assert "fonts-wqy-zenhei" in response.json()["message"]
    assert "/nonexistent/wqy-zenhei.ttc" in response.json()["message"]


def test_it_warns_at_start_up_when_the_pdf_font_is_missing(db, settings):
    settings.HUIYIN = {**settings.HUIYIN, "CIRCULAR_PDF_FONT": "/nonexistent/wqy-zenhei.ttc"}

    warnings = [message for message in run_checks() if message.id == "supervision.W001"]

    assert len(warnings) == 1
    assert "/nonexistent/wqy-zenhei.ttc" in warnings[0].msg


# --- at the same moment --------------------------------------------------------------------------------------


def publish_at_once(district, circular_ids: list[int]) -> list[tuple[int, dict]]:
    versions = dict(Circular.objects.filter(pk__in=circular_ids).values_list("pk", "version"))
    barrier = threading.Barrier(len(circular_ids), timeout=60)
    outcomes, errors, lock = [], [], threading.Lock()

    def run(circular_id: int) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user=get_user_model().objects.get(pk=district.sam.pk))
            barrier.wait()
            response = client.post(f"{URL}{circular_id}/publish/", {"version": versions[circular_id]}, format="json")
            with lock:
                outcomes.append((response.status_code, dict(response.data)))
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(circular_id,)) for circular_id in circular_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_gives_two_circulars_published_at_once_two_numbers(district, monkeypatch):
    monkeypatch.setattr(notification_tasks, "_broker_down_until", None)
    ids = [draft(district)["id"], draft(district, period="2026-Q4")["id"]]

    outcomes = publish_at_once(district, ids)

    assert sorted(status for status, _body in outcomes) == [200, 200]
    assert sorted(body["sequence"] for _status, body in outcomes) == [1, 2]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_publishes_one_circular_once_when_two_supervisors_press_at_once(district):
    circular_id = draft(district)["id"]

    outcomes = publish_at_once(district, [circular_id, circular_id])

    assert sorted(status for status, _body in outcomes) == [200, 409]
    assert Circular.objects.get(pk=circular_id).sequence == 1


def test_it_lists_the_jurisdictions_common_problems_as_one_item_each_with_its_count_of_enterprises(district, history):
    with travel(local(4, 11)):
        common_problem_raise(
            acting_user=district.dora,
            title="园区道路与融资共性问题",
            description="两家企业反映同类问题。",
            category=district.infrastructure,
            unit=district.industry,
            cases=[history["road"], history["loan"]],
        )

    circular = draft(district)
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(district.sam)
    page = browser.get(f"/supervision/circulars/{circular['id']}/")

    assert circular["content"]["common_problems"] == [
        {
            "id": circular["content"]["common_problems"][0]["id"],
            "title": "园区道路与融资共性问题",
            "unit": {"id": district.industry.pk, "name": "工业和信息化局"},
            "state": "open",
            "enterprises": 2,
            "due_at": "2026-11-25T09:30:00+00:00",  # 17:30 in Beijing, the 15th working day
            "answered_at": None,
            "workdays": 0,
        }
    ]
    assert "园区道路与融资共性问题" in page.content.decode() and "涉及企业（家）" in page.content.decode()
