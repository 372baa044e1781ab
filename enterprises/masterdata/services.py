"""The administrator's writes on a master-data import from the page: upload a workbook, confirm its import,
or cancel it. Each queues its job after commit through ``enterprises.tasks``; the jobs are ``jobs``'s."""

from functools import partial
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition

from ..models import MasterDataImport
from ..models import MasterDataImportState as State
from ..tasks import masterdata_import_enqueue
from .jobs import finish
from .permissions import may_manage_masterdata
from .workbook import check_upload

# Jobs still on their way: queued, running, or waiting for the administrator's confirmation.
WAITING = (State.QUEUED, State.CHECKING, State.READY, State.CONFIRMED, State.IMPORTING)


def _ensure_may_manage(user: User) -> None:
    if not may_manage_masterdata(user):
        raise NotPermitted(_("Only administrators import and export master data."), code="not_an_administrator")


def max_upload_bytes() -> int:
    return settings.HUIYIN["MASTERDATA_MAX_BYTES"]


def masterdata_import_upload(
    *, acting_user: User, upload: UploadedFile, deactivate_missing: bool, language: str
) -> MasterDataImport:
    """Refuse what is not an .xlsx of acceptable size at once, store the file and queue its check."""
    _ensure_may_manage(acting_user)
    name = PurePath(upload.name or "").name
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput(
            _("Upload the workbook as an .xlsx file (Excel 2007 or later); %(name)s is not one.") % {"name": name},
            code="not_xlsx",
        )
    # The ignores below: an upload Django received has its size, which the stubs allow to be None.
    if upload.size > max_upload_bytes():  # type: ignore[operator]
        raise InvalidInput(
            _("The workbook is %(size)d MB; at most %(limit)d MB can be imported.")
            % {"size": -(-upload.size // 2**20), "limit": max_upload_bytes() // 2**20},  # type: ignore[operator]
            code="file_too_large",
        )
    check_upload(upload)
    with transaction.atomic():
        job = MasterDataImport(
            requested_by=acting_user, language=language, file_name=name[:255], deactivate_missing=deactivate_missing
        )
        job.file.save("upload.xlsx", upload, save=False)
        job.save()
        transaction.on_commit(partial(masterdata_import_enqueue, "check", job.pk))
    return job


def _locked_ready(job: MasterDataImport) -> MasterDataImport:
    """The job's row, locked until commit, if it still waits for its confirmation; 409 otherwise."""
    current = MasterDataImport.objects.select_for_update().filter(pk=job.pk, state=State.READY).first()
    if current is None:
        raise Conflict(_("This workbook is not waiting for a confirmation."), code="import_not_ready")
    return current


def masterdata_import_confirm(*, acting_user: User, job: MasterDataImport) -> MasterDataImport:
    """The administrator read the preview: queue the import. One import runs at a time."""
    _ensure_may_manage(acting_user)
    if job.state != State.READY or not job.report.get("has_changes"):
        raise Conflict(_("This workbook is not waiting for a confirmation."), code="import_not_ready")
    with transaction.atomic():
        running = MasterDataImport.objects.filter(state__in=[State.CONFIRMED, State.IMPORTING]).exclude(pk=job.pk)
        if running.exists():
            raise Conflict(
                _("Another import is running. Confirm this one when it has finished."), code="import_running"
            )
        current = _locked_ready(job)
        logged_transition(current.confirm, acting_user=acting_user, at=timezone.now())
        current.save(update_fields=["state", "confirmed_at"])
        transaction.on_commit(partial(masterdata_import_enqueue, "import", current.pk))
    return current


def masterdata_import_cancel(*, acting_user: User, job: MasterDataImport) -> MasterDataImport:
    """Drop a checked workbook that will not be imported, and its file."""
    _ensure_may_manage(acting_user)
    with transaction.atomic():
        current = _locked_ready(job)
        finish(current, current.cancel, acting_user=acting_user)
    return current
