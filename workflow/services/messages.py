"""Comments (a public reply or an internal note) and attachments on a case. The enterprise's public reply or
upload resumes a paused clock (``pauses``)."""

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Attachment, Case, CaseState, Comment, EventAction, Visibility
from cases.permissions import is_filing_enterprise
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.people import user_name
from enterprises.access import roles_for_user

from .. import clock
from ..attachments import content_type_for_upload
from ..deadlines import CaseClocks
from ..models import PauseEnd
from ..selectors import work_calendar
from .pauses import case_resume_on_answer
from .shared import _case_notify, _enterprise_contacts, case_event_record, case_lock


def _refuse_closed(case: Case) -> None:
    if case.state == CaseState.CLOSED:
        raise Conflict(_("This case is closed. File a follow-up case to raise the matter again."), code="case_closed")


def _allowed_visibility(*, case: Case, acting_user: User, visibility: str) -> str:
    if visibility not in Visibility.values:
        message = _("Choose a public reply or an internal note.")
        raise InvalidInput(message, code="visibility", fields={"visibility": [message]})
    if visibility == Visibility.INTERNAL and not roles_for_user(acting_user).is_official:
        message = _("Only officials can write internal notes.")
        raise NotPermitted(message, code="internal_not_allowed")
    return visibility


def comment_add(*, case: Case, acting_user: User, body: str, visibility: str = Visibility.PUBLIC) -> Comment:
    """A public reply reaches the other side at once; an internal note stays among officials."""
    body = limits.required_text(body, "body", _("The comment is empty."), limit=limits.COMMENT)
    visibility = _allowed_visibility(case=case, acting_user=acting_user, visibility=visibility)
    _refuse_closed(case)
    internal = visibility == Visibility.INTERNAL
    from_enterprise = not internal and is_filing_enterprise(case, acting_user)
    with transaction.atomic():
        now = clock.now()
        if from_enterprise:
            case = _answering(case)
        comment = Comment.objects.create(
            case=case, author=acting_user, visibility=visibility, body=body, created_at=now
        )
        case_event_record(
            case=case,
            actor=acting_user,
            action=EventAction.COMMENT,
            data={"comment": comment.pk},
            is_internal=internal,
            at=now,
        )
        if not internal:
            if not from_enterprise:
                clocks = CaseClocks(case, calendar=work_calendar(), at=now)
                clocks.on_public_reply()
                clocks.mirror()
            recipients = [case.assignee] if from_enterprise else _enterprise_contacts(case)
            author = user_name(acting_user)
            _case_notify(case, "case_replied", recipients, f"comment{comment.pk}", author=author, body=body)
        if from_enterprise:
            case_resume_on_answer(case=case, acting_user=acting_user, how=PauseEnd.ENTERPRISE_REPLY, now=now)
    return comment


def _answering(case: Case) -> Case:
    """The enterprise's reply or upload may resume a paused clock (挂起), so it takes the case's row lock first,
    as every writer that changes the case does; whether the case is paused is read under the lock."""
    return case_lock(case_id=case.pk)


def attachment_add(
    *, case: Case, acting_user: User, upload: UploadedFile, visibility: str = Visibility.PUBLIC
) -> Attachment:
    """Store a document or image through Django's storage after checking its size and type."""
    visibility = _allowed_visibility(case=case, acting_user=acting_user, visibility=visibility)
    _refuse_closed(case)
    content_type = content_type_for_upload(upload)
    from_enterprise = visibility == Visibility.PUBLIC and is_filing_enterprise(case, acting_user)
    with transaction.atomic():
        now = clock.now()
        if from_enterprise:
            case = _answering(case)
        attachment = Attachment.objects.create(  # type: ignore[misc]  # an upload Django received has its size
            case=case,
            uploaded_by=acting_user,
            visibility=visibility,
            file=upload,
            original_name=upload.name[:255],  # type: ignore[index]  # and its name
            content_type=content_type,
            size=upload.size,
            created_at=now,
        )
        case_event_record(
            case=case,
            actor=acting_user,
            action=EventAction.ATTACH,
            data={"attachment": attachment.pk, "name": attachment.original_name},
            is_internal=visibility == Visibility.INTERNAL,
            at=now,
        )
        if from_enterprise:
            case_resume_on_answer(case=case, acting_user=acting_user, how=PauseEnd.ENTERPRISE_UPLOAD, now=now)
    return attachment
