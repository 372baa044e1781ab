"""The problem ledger (问题台账) export: a background job with the case list's filters, its file, its requester.

The district as of Monday 23 November 2026 10:00:

road     alice's (Yixin), routed to carol at filing on Mon 2 Nov 10:00, signed for Tue 3 Nov 09:00; due
         Wed 11 Nov 17:30, extended on Wed 4 Nov to Fri 20 Nov; resolved Thu 19 Nov 15:00 (on time),
         confirmed by alice Fri 20 Nov 09:00 as satisfied (4)
loan     bob's (Hongda), routed by dora to dave (commerce) Wed 4 Nov 10:00; due Fri 13 Nov 17:30, so late;
         sam raised it to 督办 on Wed 18 Nov, answer due Fri 20 Nov 17:00
waiting  alice's, filed Mon 16 Nov under a category the dispatcher routes, still opened
"""

from datetime import date, datetime, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cases.models import Case, UrgingLevel
from core.tests.logs import logged
from notifications.models import Notification
from supervision.ledger.exports import RUNNING_AT_MOST, write_ledger_workbook
from supervision.ledger.models import ExportState, LedgerExport
from supervision.ledger.selectors import ledger_cases
from supervision.ledger.tasks import ledger_exports_tidy
from workflow import services
from workflow.tests.helpers import dispatch_only_category
from workflow.workdays import SHANGHAI

LEDGER = "/api/v1/supervision/ledger/"
CASES = "/api/v1/cases/"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
CHINESE_HEADERS = [
    "案件编号",
    "标题",
    "企业",
    "类别",
    "复杂程度",
    "状态",
    "责任单位",
    "承办人",
    "提出时间",
    "签收时间",
    "办结时限",
    "是否超期",
    "督办等级",
    "督办答复时限",
    "延期次数",
    "延期至",
    "挂起次数",
    "挂起工作日",
    "挂起至",
    "办结时间",
    "办理结果",
    "销号方式",
    "销号时间",
    "满意度",
]


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def file(district, *, at: datetime, user=None, enterprise=None, category=None, title: str) -> Case:
    with time_machine.travel(at, tick=False):
        return services.case_file(
            acting_user=user or district.alice,
            enterprise=enterprise or district.yixin,
            category=category or district.infrastructure,
            title=title,
            description=f"{title}的详细情况",
        )


@pytest.fixture
def ledger(district) -> dict[str, Case]:
    d = district
    road = file(d, at=local(2, 10), title="园区道路破损")
    with time_machine.travel(local(3, 9), tick=False):
        road = services.case_accept(case=road, acting_user=d.carol)
    with time_machine.travel(local(4, 9), tick=False):
        extension = services.extension_request_create(
            case=road, acting_user=d.carol, requested_due_date=date(2026, 11, 20), reason="需协调交通局施工。"
        )
    with time_machine.travel(local(4, 11), tick=False):
        services.extension_decide(extension=extension, acting_user=d.sam, approve=True)
    with time_machine.travel(local(19, 15), tick=False):
        road = services.case_resolve(
            case=Case.objects.get(pk=road.pk), acting_user=d.carol, resolution_type="solved", reply="已修复。"
        )
    with time_machine.travel(local(20, 9), tick=False):
        road = services.case_close(case=road, acting_user=d.alice, satisfaction=4)

    loan = file(d, at=local(4, 9), user=d.bob, enterprise=d.hongda, category=d.financing, title="贷款贴息")
    with time_machine.travel(local(4, 10), tick=False):
        loan = services.case_assign(case=loan, acting_user=d.dora, assignee=d.dave, unit=d.commerce)
    with time_machine.travel(local(18, 10), tick=False):
        loan = services.case_urge(
            case=loan, acting_user=d.sam, level=UrgingLevel.SUPERVISED, note="请加快。", answer_due_at=local(20, 17)
        )
    waiting = file(d, at=local(16, 9), category=dispatch_only_category(), title="职工宿舍供水不足")
    return {"road": road, "loan": loan, "waiting": waiting}


def request_ledger(district, user, filters=None, capture=None, **headers):
    """POST as ``user``; the job's task runs when the request's transaction commits."""
    body = {} if filters is None else {"filters": filters}
    with capture(execute=True):
        return district.client(user).post(LEDGER, body, format="json", **headers)


def downloaded(district, user, job_id: int) -> list[tuple]:
    response = district.client(user).get(f"{LEDGER}{job_id}/download/")
    assert response.status_code == 200, response
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def exported(district, user, capture, filters=None, **headers) -> list[tuple]:
    response = request_ledger(district, user, filters, capture, **headers)
    assert response.status_code == 202, response.json()
    return downloaded(district, user, response.json()["id"])


def listed_numbers(district, user, query: str = "") -> list[str]:
    response = district.client(user).get(f"{CASES}?page_size=100&{query}")
    assert response.status_code == 200, response.json()
    return [row["number"] for row in response.json()["results"]]


def test_it_queues_the_export_and_answers_202_with_the_jobs_address(
    district, ledger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = district.client(district.sam).post(LEDGER, {"filters": {"state": ["assigned"]}}, format="json")

    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["state"] == "queued"
    assert job["download_url"] is None
    assert response["Location"] == f"http://testserver{LEDGER}{job['id']}/"
    assert len(callbacks) == 1

    callbacks[0]()
    status = district.client(district.sam).get(response["Location"]).json()
    assert status["state"] == "done"
    assert status["row_count"] == 1
    assert status["download_url"] == f"http://testserver{LEDGER}{job['id']}/download/"
    notice = Notification.objects.get(kind="ledger_export_ready")
    assert notice.recipient == district.sam
    assert notice.link == f"{LEDGER}{job['id']}/"
    assert logged(LedgerExport.objects.get(pk=job["id"])) == [
        ("start", "queued", "running", None, ""),
        ("finish", "running", "done", None, ""),
    ]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"state": ["assigned", "opened"]},
        {"state": "closed"},
        {"enterprise": "HONGDA"},
        {"overdue": True},
        {"urging_level_min": 1},
        {"search": "道路"},
        {"ordering": "-filed_at"},
        {"filed_after": "2026-11-03T00:00:00+08:00", "ordering": "number"},
    ],
)
def test_it_exports_the_same_cases_in_the_same_order_as_the_list_with_those_filters(
    district, ledger, filters, django_capture_on_commit_callbacks
):
    if filters.get("enterprise") == "HONGDA":
        filters = {"enterprise": district.hongda.pk}
    query = "&".join(
        f"{name}={str(item).lower() if isinstance(item, bool) else quote(str(item))}"
        for name, value in filters.items()
        for item in (value if isinstance(value, list) else [value])
    )

    header, *rows = exported(district, district.sam, django_capture_on_commit_callbacks, filters)

    assert [row[0] for row in rows] == listed_numbers(district, district.sam, query)


def test_it_writes_one_row_per_case_with_chinese_headers_deadlines_levels_extensions_and_outcome(
    district, ledger, django_capture_on_commit_callbacks
):
    header, *rows = exported(district, district.sam, django_capture_on_commit_callbacks)

    assert list(header) == CHINESE_HEADERS
    by_number = {row[0]: dict(zip(CHINESE_HEADERS, row, strict=True)) for row in rows}
    assert len(rows) == len(by_number) == 3
    assert by_number[ledger["road"].number] == {
        "案件编号": ledger["road"].number,
        "标题": "园区道路破损",
        "企业": district.yixin.name,
        "类别": district.infrastructure.name,
        "复杂程度": "一般",
        "状态": "已销号",
        "责任单位": district.industry.name,
        "承办人": "陈静",
        "提出时间": "2026-11-02 10:00",
        "签收时间": "2026-11-03 09:00",
        # The extended deadline, in Asia/Shanghai; the first one was never missed.
        "办结时限": "2026-11-20 17:30",
        "是否超期": "否",
        "督办等级": "未督办",
        "督办答复时限": None,
        "延期次数": 1,
        "延期至": "2026-11-20 17:30",
        "挂起次数": 0,
        "挂起工作日": 0,
        "挂起至": None,
        "办结时间": "2026-11-19 15:00",
        "办理结果": "已解决",
        "销号方式": "企业确认销号",
        "销号时间": "2026-11-20 09:00",
        "满意度": "满意",
    }
    loan = by_number[ledger["loan"].number]
    assert (loan["状态"], loan["承办人"], loan["责任单位"]) == ("已交办", "刘德", district.commerce.name)
    assert (loan["办结时限"], loan["是否超期"]) == ("2026-11-13 17:30", "是")
    assert (loan["督办等级"], loan["督办答复时限"]) == ("督办", "2026-11-20 17:00")
    assert (loan["延期次数"], loan["延期至"], loan["办理结果"], loan["满意度"]) == (0, None, None, None)
    waiting = by_number[ledger["waiting"].number]
    assert (waiting["状态"], waiting["承办人"], waiting["办结时限"]) == ("待分派", None, None)
    assert waiting["是否超期"] == "否"


def test_it_writes_english_headers_for_an_english_request(district, ledger, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    response = request_ledger(district, district.sam, None, capture, HTTP_ACCEPT_LANGUAGE="en")
    job_id = response.json()["id"]

    assert LedgerExport.objects.get(pk=job_id).language == "en"
    header, *rows = downloaded(district, district.sam, job_id)
    assert header[:3] == ("Case number", "Title", "Enterprise")
    assert header[10:13] == ("Resolution due", "Late", "Urging level")
    road = [row for row in rows if row[0] == ledger["road"].number][0]
    assert (road[5], road[11], road[20], road[21]) == ("Closed", "No", "Solved", "Confirmed by the enterprise")
    assert header[16:19] == ("Pauses", "Working days paused", "Paused until")
    download = district.client(district.sam).get(f"{LEDGER}{job_id}/download/")
    assert download["Content-Disposition"] == 'attachment; filename="ledger-2026-11-23.xlsx"'


def test_it_names_the_chinese_file_in_chinese(district, ledger, django_capture_on_commit_callbacks):
    job_id = request_ledger(district, district.sam, None, django_capture_on_commit_callbacks).json()["id"]

    download = district.client(district.sam).get(f"{LEDGER}{job_id}/download/")

    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"filename*=utf-8''{quote('问题台账-2026-11-23.xlsx')}" in download["Content-Disposition"]


def test_it_gives_a_cadre_only_the_cases_they_see(district, ledger, django_capture_on_commit_callbacks):
    header, *rows = exported(district, district.carol, django_capture_on_commit_callbacks)

    assert sorted(row[0] for row in rows) == sorted(listed_numbers(district, district.carol))
    assert ledger["loan"].number not in [row[0] for row in rows]
    assert {ledger["road"].number, ledger["waiting"].number} == {row[0] for row in rows}


def test_it_gives_the_supervisor_of_another_district_none_of_this_districts_cases(
    district, ledger, django_capture_on_commit_callbacks
):
    header, *rows = exported(district, district.otto, django_capture_on_commit_callbacks)

    assert rows == []


@pytest.mark.parametrize("name", ["alice", "bob"])
def test_it_refuses_enterprise_users(district, ledger, name, django_capture_on_commit_callbacks):
    user = getattr(district, name)

    response = request_ledger(district, user, None, django_capture_on_commit_callbacks, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 403
    assert response.json() == {"code": "not_an_official", "message": "Only officials can export the problem ledger."}
    assert district.client(user).get(LEDGER).status_code == 403
    assert not LedgerExport.objects.exists()


def test_it_refuses_anonymous_users(district):
    assert district.client().post(LEDGER, {}, format="json").status_code == 401


def test_it_lets_only_the_requester_see_and_download_the_job(district, ledger, django_capture_on_commit_callbacks):
    job_id = request_ledger(district, district.sam, None, django_capture_on_commit_callbacks).json()["id"]

    for other in (district.leo, district.dora, district.otto):
        client = district.client(other)
        assert client.get(f"{LEDGER}{job_id}/").status_code == 404
        assert client.get(f"{LEDGER}{job_id}/download/").status_code == 404
        assert client.get(LEDGER).json()["results"] == []
    assert [job["id"] for job in district.client(district.sam).get(LEDGER).json()["results"]] == [job_id]


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"colour": "red"}, "colour"), ({"state": "lost"}, "state"), ({"filed_after": "yesterday"}, "filed_after")],
)
def test_it_refuses_bad_filters_at_once_and_names_them(
    district, ledger, filters, field, django_capture_on_commit_callbacks
):
    response = request_ledger(district, district.sam, filters, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_filter"
    assert field in response.json()["fields"]
    assert not LedgerExport.objects.exists()


def test_it_records_a_failed_job_and_tells_the_requester(
    district, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("supervision.ledger.exports.write_ledger_workbook", broken)

    job_id = request_ledger(district, district.sam, None, django_capture_on_commit_callbacks).json()["id"]

    status = district.client(district.sam).get(f"{LEDGER}{job_id}/").json()
    assert (status["state"], status["error"], status["download_url"]) == ("failed", "disk full", None)
    assert status["finished_at"] is not None
    assert Notification.objects.get(kind="ledger_export_failed").recipient == district.sam
    download = district.client(district.sam).get(f"{LEDGER}{job_id}/download/")
    assert (download.status_code, download.json()["code"]) == (409, "export_failed")
    assert logged(LedgerExport.objects.get(pk=job_id))[-1] == ("fail", "running", "failed", None, "disk full")


def stored_workbooks() -> set[str]:
    try:
        return set(default_storage.listdir(f"ledger-exports/{NOW:%Y/%m}")[1])
    except FileNotFoundError:
        return set()


def test_it_keeps_a_job_failed_that_the_tidy_task_gave_up_on_while_its_worker_still_wrote(
    district, ledger, monkeypatch, django_capture_on_commit_callbacks
):
    def slow(*args, **kwargs):
        """The worker stalls past RUNNING_AT_MOST; the tidy task fails the job meanwhile."""
        ledger_exports_tidy(now=NOW + RUNNING_AT_MOST + timedelta(minutes=1))
        return write_ledger_workbook(*args, **kwargs)

    monkeypatch.setattr("supervision.ledger.exports.write_ledger_workbook", slow)
    before = stored_workbooks()

    job_id = request_ledger(district, district.sam, None, django_capture_on_commit_callbacks).json()["id"]

    job = LedgerExport.objects.get(pk=job_id)
    assert (job.state, job.file.name, job.error) == (ExportState.FAILED, "", "导出已中断，请重新申请。")
    assert stored_workbooks() == before, "the late workbook is dropped"
    assert Notification.objects.filter(kind="ledger_export_ready").count() == 0
    assert Notification.objects.filter(kind="ledger_export_failed").count() == 1
    assert [transition for transition, *_rest in logged(job)] == ["start", "fail"]


def test_it_writes_a_job_once_however_often_its_task_runs(district, ledger, django_capture_on_commit_callbacks):
    from supervision.ledger.tasks import ledger_export_write

    job_id = request_ledger(district, district.sam, None, django_capture_on_commit_callbacks).json()["id"]
    stored = LedgerExport.objects.get(pk=job_id).file.name

    assert ledger_export_write(job_id) is False
    assert LedgerExport.objects.get(pk=job_id).file.name == stored
    assert Notification.objects.filter(kind="ledger_export_ready").count() == 1


def test_it_deletes_expired_files_and_says_so_on_download(district, ledger, django_capture_on_commit_callbacks):
    job_id = request_ledger(district, district.sam, None, django_capture_on_commit_callbacks).json()["id"]
    job = LedgerExport.objects.get(pk=job_id)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)

    assert ledger_exports_tidy(now=local(29, 10))["expired"] == 0
    report = ledger_exports_tidy(now=local(30, 11))

    assert report["expired"] == 1
    assert not storage.exists(name)
    assert LedgerExport.objects.get(pk=job_id).state == ExportState.EXPIRED
    assert logged(LedgerExport.objects.get(pk=job_id))[-1] == ("expire", "done", "expired", None, "")
    response = district.client(district.sam).get(f"{LEDGER}{job_id}/download/")
    assert (response.status_code, response.json()["code"]) == (410, "export_expired")


def test_it_queues_again_a_job_the_broker_lost(district, ledger, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job_id = district.client(district.sam).post(LEDGER, {}, format="json").json()["id"]

    assert ledger_exports_tidy(now=NOW)["requeued"] == 0
    report = ledger_exports_tidy(now=local(23, 10, 6))

    assert report["requeued"] == 1
    assert LedgerExport.objects.get(pk=job_id).state == ExportState.DONE


def test_it_schedules_the_tidy_task(settings):
    schedules = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "supervision.tasks.ledger_exports_tidy_task" in schedules


def add_cases(district, count: int) -> None:
    """Cases with an approved extension; every second one paused since, every fourth one resumed."""
    for n in range(count):
        case = file(district, at=local(2, 9), title=f"第{n}号问题")
        with time_machine.travel(local(3, 9), tick=False):
            extension = services.extension_request_create(
                case=case, acting_user=district.carol, requested_due_date=date(2026, 11, 20), reason="需要协调。"
            )
            services.extension_decide(extension=extension, acting_user=district.sam, approve=True)
        if n % 2:
            paused_by_carol(district, case, at=local(17, 9), expected_date=date(2026, 11, 27))
        if n % 4 == 3:
            with time_machine.travel(local(18, 9), tick=False):
                services.case_resume(case=Case.objects.get(pk=case.pk), acting_user=district.carol)


def paused_by_carol(district, case: Case, *, at: datetime, expected_date: date) -> Case:
    with time_machine.travel(at, tick=False):
        services.case_pause(
            case=Case.objects.get(pk=case.pk),
            acting_user=district.carol,
            needed="请补充提供施工许可材料。",
            reason="等待企业材料",
            expected_date=expected_date,
        )
    return Case.objects.get(pk=case.pk)


def test_it_writes_how_often_and_how_long_a_case_was_paused(district, django_capture_on_commit_callbacks):
    """``waiting`` is paused since Tuesday 17 at 10:00 until Tuesday 24: 4 working days so far (18–20, 23), and no
    deadline meanwhile. ``answered`` was paused on Thursday 5 until Monday 9 and resumed by alice's reply on Friday 6
    at 10:00: 1 working day, its deadline moved by as much and met."""
    waiting = paused_by_carol(
        district, file(district, at=local(16, 9), title="消防验收"), at=local(17, 10), expected_date=date(2026, 11, 24)
    )
    answered = paused_by_carol(
        district, file(district, at=local(2, 9), title="环评批复"), at=local(5, 10), expected_date=date(2026, 11, 9)
    )
    with time_machine.travel(local(6, 10), tick=False):
        services.comment_add(case=answered, acting_user=district.alice, body="材料已补充。")
    with time_machine.travel(local(10, 10), tick=False):
        services.case_resolve(
            case=Case.objects.get(pk=answered.pk),
            acting_user=district.carol,
            resolution_type="solved",
            reply="已批复。",
        )

    header, *rows = exported(district, district.sam, django_capture_on_commit_callbacks)

    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    shown = ("挂起次数", "挂起工作日", "挂起至", "办结时限", "是否超期")
    assert tuple(by_number[waiting.number][column] for column in shown) == (1, 4, "2026-11-24 17:30", None, "否")
    # Due Wednesday 11 (7 working days from Monday 2), one working day later: Thursday 12.
    assert tuple(by_number[answered.number][column] for column in shown) == (1, 1, None, "2026-11-12 17:30", "否")


def queries_to_write(district) -> tuple[int, int]:
    sam = get_user_model().objects.get(pk=district.sam.pk)
    with CaptureQueriesContext(connection) as queries:
        count = write_ledger_workbook(ledger_cases(sam, filters={}), now=NOW, file=BytesIO())
    return count, len(queries)


def test_it_writes_4_and_16_cases_in_the_same_number_of_queries(district):
    add_cases(district, 4)
    few_rows, few = queries_to_write(district)
    add_cases(district, 12)
    many_rows, many = queries_to_write(district)

    assert (few_rows, many_rows) == (4, 16)
    # 1 for sam's roles with the unit tree, 1 for the working-day calendar, 1 for the cases with their joins,
    # 1 for the extensions, 1 for the clocks, 1 for the pauses.
    assert few == many == 6
