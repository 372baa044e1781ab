"""The master-data page: an administrator downloads, uploads, reads the preview, confirms, and follows the job."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from core.tests.logs import logged
from enterprises.masterdata import jobs
from enterprises.masterdata.jobs import masterdata_import_check
from enterprises.models import Enterprise, MasterDataImport, MasterDataImportState, ServiceAssignment
from enterprises.tasks import masterdata_imports_tidy_task
from enterprises.tests.masterdata_helpers import district_rows, row_of, set_cell, upload

from .helpers import signed_in

PAGE = "/masterdata/"
YIXIN = "91110000600037341L"


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "root-pass-123")


def uploaded_file(job: MasterDataImport) -> str:
    """The stored name of the job's upload, checked to be there."""
    assert job.file and default_storage.exists(job.file.name)
    return job.file.name


def edited_rows():
    """The district with Yixin served by the Commerce Bureau's dave instead of carol."""
    rows = district_rows()
    service = row_of(rows, "service", "credit_code", YIXIN)
    set_cell(service, "service", "unit", "商务局")
    set_cell(service, "service", "cadre", "dave")
    return rows


def test_it_takes_an_administrator_from_upload_through_preview_and_confirmation_to_the_import(
    district, admin, django_capture_on_commit_callbacks
):
    client = signed_in(admin, "en")
    assert "Master data" in client.get("/inbox/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"workbook": upload(edited_rows())})

    job = MasterDataImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/masterdata/imports/{job.pk}/"
    assert job.state == MasterDataImportState.READY
    stored = uploaded_file(job)
    preview = client.get(response["Location"]).content.decode()
    assert "What would change" in preview and "Confirm and import" in preview
    assert f"{YIXIN}" in preview and "工业和信息化局 → 商务局" in preview
    assert ServiceAssignment.objects.get(ended_at__isnull=True).cadre == district.carol

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/masterdata/imports/{job.pk}/confirm/")

    job.refresh_from_db()
    assert job.state == MasterDataImportState.DONE
    assert (job.stage, job.progress_done, job.progress_total) == ("Writing", 8, 8)
    assert ServiceAssignment.objects.get(ended_at__isnull=True).cadre == district.dave
    assert ServiceAssignment.objects.filter(enterprise=district.yixin).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "The master data was imported." in page and "hx-trigger" not in page
    assert not default_storage.exists(stored)
    assert [(transition, by) for transition, _source, _target, by, _note in logged(job)] == [
        ("start_check", None),
        ("pass_check", None),
        ("confirm", "root"),
        ("start_import", None),
        ("complete", None),
    ]


def test_it_writes_nothing_for_an_import_the_tidy_task_gave_up_on_while_it_ran(
    district, admin, monkeypatch, django_capture_on_commit_callbacks
):
    client = signed_in(admin, "en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"workbook": upload(edited_rows())})
    job = MasterDataImport.objects.get()
    reading = jobs.read_and_plan

    def stalled(job, progress):
        """The worker reads for longer than RUNNING_AT_MOST; the tidy task gives it up for dead meanwhile."""
        plan = reading(job, progress)
        jobs.masterdata_imports_tidy(now=timezone.now() + jobs.RUNNING_AT_MOST + timedelta(minutes=1))
        return plan

    monkeypatch.setattr(jobs, "read_and_plan", stalled)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/masterdata/imports/{job.pk}/confirm/")

    job.refresh_from_db()
    assert (job.state, job.error) == (
        MasterDataImportState.FAILED,
        "The job was interrupted. Upload the workbook again.",
    )
    assert ServiceAssignment.objects.get(ended_at__isnull=True).cadre == district.carol
    assert [transition for transition, *_rest in logged(job)][-2:] == ["start_import", "fail"]


def test_it_lists_the_problems_by_sheet_row_and_column_and_offers_no_confirmation(
    district, admin, django_capture_on_commit_callbacks
):
    rows = district_rows()
    set_cell(row_of(rows, "enterprises", "credit_code", YIXIN), "enterprises", "credit_code", "91110000600037341X")
    client = signed_in(admin, "en")

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(PAGE, {"workbook": upload(rows)})
    stored = uploaded_file(MasterDataImport.objects.get())
    queued[0]()

    job = MasterDataImport.objects.get()
    assert job.state == MasterDataImportState.REJECTED
    page = client.get(response["Location"]).content.decode()
    assert "1 problem: nothing was imported" in page
    assert '<td data-label="Sheet">企业</td>' in page and '<td data-label="Column">统一社会信用代码</td>' in page
    assert "The check digit of this unified social credit code is wrong" in page
    assert "Confirm and import" not in page
    assert client.post(f"/masterdata/imports/{job.pk}/confirm/").status_code == 302
    assert MasterDataImport.objects.get().state == MasterDataImportState.REJECTED
    assert not default_storage.exists(stored)
    assert Enterprise.objects.filter(credit_code=YIXIN).exists()


def test_it_says_there_is_nothing_to_import_for_the_installations_own_export(
    district, admin, django_capture_on_commit_callbacks
):
    client = signed_in(admin, "en")
    exported = client.get("/masterdata/export.xlsx")
    workbook = SimpleUploadedFile("export.xlsx", b"".join(exported.streaming_content))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE, {"workbook": workbook})

    page = client.get(response["Location"]).content.decode()
    assert "No change: Huiyin already holds this workbook" in page
    assert "Confirm and import" not in page and "Discard this workbook" in page


def test_it_discards_a_checked_workbook_and_its_file(district, admin, django_capture_on_commit_callbacks):
    client = signed_in(admin, "en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"workbook": upload(edited_rows())})
    job = MasterDataImport.objects.get()
    stored = uploaded_file(job)

    client.post(f"/masterdata/imports/{job.pk}/cancel/")

    job.refresh_from_db()
    assert job.state == MasterDataImportState.CANCELLED
    assert not default_storage.exists(stored)
    assert ServiceAssignment.objects.get(ended_at__isnull=True).cadre == district.carol
    assert logged(job)[-1] == ("cancel", "ready", "cancelled", "root", "")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("主数据.csv", b"a,b\n", "is not one"),
        ("主数据.xlsx", b"a,b\n", "is not an Excel workbook"),
    ],
)
def test_it_refuses_what_is_not_an_xlsx_workbook(district, admin, name, content, reason):
    response = signed_in(admin, "en").post(PAGE, {"workbook": SimpleUploadedFile(name, content)})

    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not MasterDataImport.objects.exists()


def test_it_refuses_a_workbook_over_the_size_limit(district, admin, settings):
    settings.HUIYIN = {**settings.HUIYIN, "MASTERDATA_MAX_BYTES": 1024 * 1024}
    too_large = SimpleUploadedFile("主数据.xlsx", b"x" * (1024 * 1024 + 1))

    response = signed_in(admin, "en").post(PAGE, {"workbook": too_large})

    assert response.status_code == 400
    assert "at most 1 MB can be imported" in response.content.decode()


def test_it_downloads_the_template_and_the_export(district, admin):
    client = signed_in(admin)

    template = client.get("/masterdata/template.xlsx")
    export = client.get("/masterdata/export.xlsx")

    assert template.status_code == export.status_code == 200
    assert "attachment" in template["Content-Disposition"]
    template_book = load_workbook(BytesIO(b"".join(template.streaming_content)), read_only=True)
    assert list(template_book["企业"].iter_rows(values_only=True))[1:] == []
    export_book = load_workbook(BytesIO(b"".join(export.streaming_content)), read_only=True)
    assert len(list(export_book["企业"].iter_rows(values_only=True))) == 3


@pytest.mark.parametrize("name", ["carol", "sam", "dora", "alice"])
def test_it_refuses_everyone_but_administrators(district, admin, name, django_capture_on_commit_callbacks):
    job = MasterDataImport.objects.create(requested_by=admin, language="en", file_name="x.xlsx")
    client = signed_in(getattr(district, name), "en")

    for address in (PAGE, "/masterdata/template.xlsx", "/masterdata/export.xlsx", f"/masterdata/imports/{job.pk}/"):
        assert client.get(address).status_code == 403, address
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(PAGE, {"workbook": upload(edited_rows())}).status_code == 403
    assert client.post(f"/masterdata/imports/{job.pk}/confirm/").status_code == 403
    assert MasterDataImport.objects.count() == 1
    assert "Master data" not in client.get("/inbox/").content.decode()


def test_it_sends_a_visitor_to_the_login_page(district):
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_it_polls_the_progress_while_the_job_runs_and_stops_when_it_is_done(
    district, admin, django_capture_on_commit_callbacks
):
    client = signed_in(admin, "en")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(PAGE, {"workbook": upload(edited_rows())})
    job = MasterDataImport.objects.get()
    status = f"/masterdata/imports/{job.pk}/status/"

    waiting = client.get(status).content.decode()
    assert f'hx-get="{status}"' in waiting and 'hx-trigger="every 2s"' in waiting
    assert "Waiting for a worker" in waiting

    MasterDataImport.objects.filter(pk=job.pk).update(
        state=MasterDataImportState.CHECKING, stage="Reading 企业", progress_done=2000, progress_total=8000
    )
    running = client.get(status).content.decode()
    assert 'value="25"' in running and "Reading 企业: 2000 / 8000" in running

    MasterDataImport.objects.filter(pk=job.pk).update(state=MasterDataImportState.QUEUED)
    assert masterdata_import_check(job_id=job.pk)
    job.refresh_from_db()
    assert (job.stage, job.progress_done, job.progress_total) == ("Checking", 8, 8)
    assert "hx-trigger" not in client.get(status).content.decode()
    assert not masterdata_import_check(job_id=job.pk)  # a second delivery of the task does nothing


def test_it_records_the_progress_of_each_stage_on_the_job(district, admin, monkeypatch):
    job = MasterDataImport.objects.create(requested_by=admin, language="en", file_name="x.xlsx")
    job.file.save("upload.xlsx", ContentFile(upload(edited_rows()).read()))
    recorded = []
    original = jobs.JobProgress.__call__

    def spy(self, stage, done, total):
        recorded.append(stage)
        original(self, stage, done, total)

    monkeypatch.setattr(jobs.JobProgress, "__call__", spy)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)

    masterdata_import_check(job_id=job.pk)

    assert recorded[0] == "Reading 单位" and "Reading 专班成员" in recorded and recorded[-1] == "Checking"


def test_it_allows_one_import_at_a_time(district, admin, django_capture_on_commit_callbacks):
    client = signed_in(admin, "en")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PAGE, {"workbook": upload(edited_rows())})
        client.post(PAGE, {"workbook": upload(edited_rows())})
    first, second = MasterDataImport.objects.order_by("pk")
    MasterDataImport.objects.filter(pk=first.pk).update(state=MasterDataImportState.IMPORTING)

    response = client.post(f"/masterdata/imports/{second.pk}/confirm/", follow=True)

    assert "Another import is running" in response.content.decode()
    second.refresh_from_db()
    assert second.state == MasterDataImportState.READY


def test_it_tidies_previews_nobody_confirmed_and_jobs_a_worker_lost(district, admin):
    now = timezone.now()
    stale = MasterDataImport.objects.create(
        requested_by=admin,
        language="en",
        file_name="old.xlsx",
        state=MasterDataImportState.READY,
        checked_at=now - timedelta(days=2),
    )
    stale.file.save("upload.xlsx", ContentFile(b"PK"))
    stored = uploaded_file(stale)
    dead = MasterDataImport.objects.create(
        requested_by=admin,
        language="en",
        file_name="dead.xlsx",
        state=MasterDataImportState.IMPORTING,
        started_at=now - timedelta(hours=2),
    )

    report = masterdata_imports_tidy_task()

    assert report == {"cancelled": 1, "requeued": 0, "interrupted": 1}
    stale.refresh_from_db()
    dead.refresh_from_db()
    assert stale.state == MasterDataImportState.CANCELLED and not stale.file
    assert dead.state == MasterDataImportState.FAILED and "interrupted" in dead.error
    assert not default_storage.exists(stored)
    assert logged(stale) == [("cancel", "ready", "cancelled", None, "")]
    assert logged(dead) == [("fail", "importing", "failed", None, dead.error)]


def test_it_reads_the_page_in_a_fixed_number_of_queries(district, admin, django_assert_num_queries):
    client = signed_in(admin)
    MasterDataImport.objects.create(requested_by=admin, language="en", file_name="a.xlsx")
    client.get(PAGE)
    with django_assert_num_queries(5):
        assert client.get(PAGE).status_code == 200
    for _ in range(4):
        MasterDataImport.objects.create(requested_by=admin, language="en", file_name="b.xlsx")
    with django_assert_num_queries(5):
        assert client.get(PAGE).status_code == 200


def test_it_schedules_the_tidy_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["enterprises-masterdata-imports-tidy"]
    assert entry["task"] == "enterprises.tasks.masterdata_imports_tidy_task"
