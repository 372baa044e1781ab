"""More time for a case (延期): the assignee asks, a supervisor or the unit's head decides."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, CaseState, EventAction
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition
from enterprises.access import overseers_of
from enterprises.models import Role

from .. import clock
from ..deadlines import CaseClocks, fixed_due
from ..models import DeadlinePolicy, ExtensionRequest, ExtensionState, PauseState
from ..permissions import may_decide_extension_request
from ..selectors import work_calendar
from .shared import _case_notify, case_event_record, case_lock, case_version_bump


def _extension_deciders(case: Case, policy: DeadlinePolicy) -> list[User]:
    """Supervisors whose jurisdiction covers the case, and the unit's heads where the policy lets them decide."""
    township_id = case.enterprise.township_id
    deciders = overseers_of(Role.SUPERVISOR, unit_id=case.responsible_unit_id, township_id=township_id)
    if policy.unit_head_decides_extensions:
        deciders += overseers_of(Role.UNIT_HEAD, unit_id=case.responsible_unit_id, township_id=None)
    return deciders


# The furthest an extension may reach from today: beyond it a deadline means nothing to anyone.
EXTENSION_MAX_SPAN = timedelta(days=366)


def extension_request_create(
    *, case: Case, acting_user: User, requested_due_date: date, reason: str
) -> ExtensionRequest:
    """The assignee asks for a later resolution deadline (延期), at most ``max_extensions`` times."""
    if case.state != CaseState.ASSIGNED:
        raise Conflict(_("Only a case being worked on can get more time."), code="invalid_state")
    if case.assignee_id != acting_user.pk:
        raise NotPermitted(_("Only the assignee can ask for more time."), code="not_assignee")
    reason = limits.required_text(reason, "reason", _("Say why more time is needed."), limit=limits.REASON)
    with transaction.atomic():
        current = case_lock(case_id=case.pk, version=case.version)
        now = clock.now()
        calendar = work_calendar()
        policy = DeadlinePolicy.for_case(current)
        approved = current.extension_requests.filter(state=ExtensionState.APPROVED).count()
        if approved >= policy.max_extensions:
            message = _("This case already had %(count)d extensions, the most allowed.") % {"count": approved}
            raise Conflict(message, code="extension_limit")
        if current.extension_requests.filter(state=ExtensionState.PENDING).exists():
            raise Conflict(_("A request for more time is already waiting for a decision."), code="extension_pending")
        if current.paused_until is not None:
            raise Conflict(
                _("The clock of this case is paused; resume it before asking for more time."), code="case_paused"
            )
        if current.pauses.filter(state=PauseState.REQUESTED).exists():
            raise Conflict(
                _("A pause of this case waits for a supervisor's approval; ask for more time once it is decided."),
                code="pause_pending",
            )
        due_at = calendar.end_of_day(requested_due_date)
        if not calendar.is_workday(requested_due_date) or (
            current.resolution_due_at and due_at <= current.resolution_due_at
        ):
            message = _("Choose a working day after the current deadline.")
            raise InvalidInput(message, code="extension_date", fields={"requested_due_date": [message]})
        if requested_due_date > calendar.local_date(clock.now()) + EXTENSION_MAX_SPAN:
            message = _("An extension reaches at most a year ahead; ask again later if more time is needed.")
            raise InvalidInput(message, code="extension_too_far", fields={"requested_due_date": [message]})
        extension = ExtensionRequest.objects.create(
            case=current,
            requested_by=acting_user,
            reason=reason,
            current_due_at=current.resolution_due_at or now,
            requested_due_at=due_at,
            created_at=now,
        )
        case_event_record(
            case=current,
            actor=acting_user,
            action=EventAction.EXTENSION_REQUEST,
            note=reason,
            data={"extension": extension.pk, "requested_due_at": due_at.isoformat()},
            is_internal=True,
            at=now,
        )
        _case_notify(
            current,
            "extension_requested",
            _extension_deciders(current, policy),
            f"extension{extension.pk}",
            extension=extension,
        )
    return extension


def extension_decide(
    *, extension: ExtensionRequest, acting_user: User, approve: bool, note: str = ""
) -> ExtensionRequest:
    """A supervisor (or the unit head, where the policy allows) approves or rejects; approval moves the deadline."""
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    if not approve:
        note = limits.required_text(note, "note", _("Say why the request is rejected."), limit=limits.NOTE)
    with transaction.atomic():
        current = case_lock(case_id=extension.case_id)
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        extension.case = current
        if not may_decide_extension_request(extension, acting_user):
            raise NotPermitted(
                _(
                    "Only a supervisor, or the unit's head where the policy allows, "
                    "can decide on more time for this case."
                ),
                code="not_decider",
            )
        if extension.state != ExtensionState.PENDING:
            raise Conflict(_("This request was already decided."), code="extension_decided")
        now = clock.now()
        decision = extension.approve if approve else extension.reject
        logged_transition(decision, acting_user=acting_user, description=note, by=acting_user, note=note, at=now)
        extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        if approve:
            clocks = CaseClocks(current, calendar=work_calendar(), at=now)
            due = fixed_due(clocks.calendar, extension.requested_due_at)
            clocks.on_extended(due=due, workdays=max(1, clocks.calendar.workdays_between(now, due.due_at)))
            clocks.mirror()
        case_version_bump(case=current)
        case_event_record(
            case=current,
            actor=acting_user,
            action=EventAction.EXTENSION_DECISION,
            note=note,
            data={
                "extension": extension.pk,
                "approved": approve,
                "resolution_due_at": current.resolution_due_at.isoformat() if approve else None,  # type: ignore[union-attr]  # approved: moved deadline
            },
            is_internal=True,
            at=now,
        )
        _case_notify(
            current,
            "extension_decided",
            [extension.requested_by],
            f"extension{extension.pk}",
            extension=extension,
            approved=approve,
        )
    return extension
