"""Master data from the browser, for administrators: the template and the export to download, a workbook to
upload, its preview with the problems or the changes, the confirmation and the import's progress. The jobs
are ``enterprises.masterdata``'s (``services`` and ``jobs``); these views parse, call and render."""

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from enterprises.masterdata.export import write_export, write_template
from enterprises.masterdata.permissions import may_manage_masterdata
from enterprises.masterdata.services import (
    WAITING,
    masterdata_import_cancel,
    masterdata_import_confirm,
    masterdata_import_upload,
    max_upload_bytes,
)
from enterprises.models import MasterDataImport
from workflow.workdays import SHANGHAI

from ..actions import perform
from ..forms.masterdata import MasterDataUploadForm
from .ledger import request_language
from .supervision import refused

RECENT_IMPORTS = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def not_for_you(request: HttpRequest) -> HttpResponse:
    return refused(request, _("Only administrators import and export master data."))


@login_required
def masterdata(request: HttpRequest) -> HttpResponse:
    if not may_manage_masterdata(request.user):
        return not_for_you(request)
    status = 200
    form = MasterDataUploadForm()
    if request.method == "POST":
        form = MasterDataUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = masterdata_import_upload(
                    acting_user=request.user,
                    upload=form.cleaned_data["workbook"],
                    deactivate_missing=form.cleaned_data["deactivate_missing"],
                    language=request_language(),
                )
            except ApplicationError as refusal:
                form.add_error("workbook", str(refusal.message))
            else:
                return redirect("web:masterdata-import", import_id=job.pk)
        status = 400
    jobs = MasterDataImport.objects.select_related("requested_by")[:RECENT_IMPORTS]
    context = {"form": form, "jobs": jobs, "limit_mb": max_upload_bytes() // 2**20}
    return render(request, "web/masterdata/index.html", context, status=status)


def workbook_response(write, name: str) -> FileResponse:
    buffer = BytesIO()
    write(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)


@login_required
def masterdata_template(request: HttpRequest) -> HttpResponse:
    if not may_manage_masterdata(request.user):
        return not_for_you(request)
    return workbook_response(write_template, "回音主数据模板.xlsx")


@login_required
def masterdata_export(request: HttpRequest) -> HttpResponse:
    """Written while the administrator waits: 50,000 enterprises take a few seconds (docs/masterdata.md)."""
    if not may_manage_masterdata(request.user):
        return not_for_you(request)
    return workbook_response(write_export, f"回音主数据-{timezone.now().astimezone(SHANGHAI):%Y%m%d-%H%M}.xlsx")


def job_for(request: HttpRequest, import_id: int) -> MasterDataImport:
    return get_object_or_404(MasterDataImport.objects.select_related("requested_by"), pk=import_id)


@login_required
def masterdata_import(request: HttpRequest, import_id: int) -> HttpResponse:
    if not may_manage_masterdata(request.user):
        return not_for_you(request)
    return render(request, "web/masterdata/import.html", job_context(job_for(request, import_id)))


@login_required
def masterdata_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """The job's part of the page, which htmx polls while the job runs."""
    if not may_manage_masterdata(request.user):
        return not_for_you(request)
    return render(request, "web/masterdata/_status.html", job_context(job_for(request, import_id)))


def job_context(job: MasterDataImport) -> dict:
    percent = 100 * job.progress_done // job.progress_total if job.progress_total else 0
    return {"job": job, "running": job.state in WAITING and job.state != "ready", "percent": min(percent, 100)}


@login_required
@require_POST
def masterdata_import_decide(request: HttpRequest, import_id: int, decision: str) -> HttpResponse:
    """``confirm`` queues the import of a checked workbook, ``cancel`` discards it (two addresses, one view)."""
    if not may_manage_masterdata(request.user):
        return not_for_you(request)
    job = job_for(request, import_id)
    if decision == "confirm":
        perform(
            request,
            lambda: masterdata_import_confirm(acting_user=request.user, job=job),
            success=_("The import has started. This page shows its progress."),
        )
    else:
        perform(
            request,
            lambda: masterdata_import_cancel(acting_user=request.user, job=job),
            success=_("The workbook was discarded; nothing was imported."),
        )
    return redirect("web:masterdata-import", import_id=job.pk)
