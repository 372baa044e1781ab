"""What every case service shares: the row lock, the transition run under it, the event row and the
notifications.

``case_lock`` and ``case_event_record`` are public: supervision's services lock the same rows and write
the same event log. The rest is the workflow's own machinery (``_name``), for the modules beside this one.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from cases.models import Case, CaseEvent, CaseState, EventAction
from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition
from core.people import user_name
from enterprises.models import Role, Unit, UnitMembership
from notifications.services import Message, notifications_create

from .. import clock
from ..deadlines import CaseClocks
from ..models import ClockPause, ExtensionState, PauseEnd, PauseState
from ..selectors import work_calendar
from ..signals import case_closed
from ..workdays import WorkCalendar

_REFUSED_IN_STATE = {
    EventAction.ASSIGN: gettext_lazy("Only an opened case can be assigned."),
    EventAction.ACCEPT: gettext_lazy(
        "This case cannot be signed for: it is not assigned, or it was signed for already."
    ),
    EventAction.SEND_BACK: gettext_lazy("Only an assigned case can be sent back."),
    EventAction.REASSIGN: gettext_lazy("Only an assigned case can be reassigned."),
    EventAction.RESOLVE: gettext_lazy("Only an assigned case can be resolved."),
    EventAction.REOPEN: gettext_lazy("Only a resolved case can be reopened."),
    EventAction.CLOSE: gettext_lazy("Only a resolved case can be closed; closed cases are final."),
    EventAction.WITHDRAW: gettext_lazy("Only a case that is not yet resolved can be withdrawn."),
    EventAction.RECHECK_REOPEN: gettext_lazy(
        "Only a closed case that was worked on can be reopened after a re-check; this one is open again already."
    ),
    EventAction.PAUSE: gettext_lazy(
        "Only a case being worked on whose resolution clock runs can be paused; this one is paused already or "
        "has no running clock."
    ),
    EventAction.RESUME: gettext_lazy("This case's clock is not paused."),
    EventAction.MERGE: gettext_lazy("Only a case not yet resolved, and not a sub-case, can be merged into another."),
}


_REFUSED_TO_USER = {
    EventAction.ASSIGN: gettext_lazy("Only dispatchers and supervisors route cases."),
    EventAction.ACCEPT: gettext_lazy("Only the assignee can sign for this case."),
    EventAction.SEND_BACK: gettext_lazy("Only the assignee can send this case back."),
    EventAction.REASSIGN: gettext_lazy("Only dispatchers, supervisors and the unit's head can reassign this case."),
    EventAction.RESOLVE: gettext_lazy("Only the assignee or the unit's head can resolve this case."),
    EventAction.REOPEN: gettext_lazy("Only the filing enterprise or a supervisor can reopen this case."),
    EventAction.CLOSE: gettext_lazy("Only the filing enterprise or a supervisor can close this case."),
    EventAction.WITHDRAW: gettext_lazy("Only the filing enterprise can withdraw this case."),
    EventAction.RECHECK_REOPEN: gettext_lazy(
        "Only a supervisor whose jurisdiction covers this case can reopen it after a re-check."
    ),
    EventAction.PAUSE: gettext_lazy("Only the assignee can pause this case's clock."),
    EventAction.RESUME: gettext_lazy("Only the assignee or the unit's head can resume this case's clock."),
    EventAction.MERGE: gettext_lazy("Only dispatchers and supervisors merge duplicate cases."),
}


_TRANSITION_METHOD = {
    EventAction.ASSIGN: "assign",
    EventAction.ACCEPT: "accept",
    EventAction.SEND_BACK: "send_back",
    EventAction.REASSIGN: "reassign",
    EventAction.RESOLVE: "resolve",
    EventAction.REOPEN: "reopen",
    EventAction.CLOSE: "close",
    EventAction.WITHDRAW: "withdraw",
    EventAction.RECHECK_REOPEN: "reopen_after_recheck",
    EventAction.MERGE: "merge",
    EventAction.PAUSE: "pause",
    EventAction.RESUME: "resume",
}

# What ends a running pause when a transition takes the case out of it (docs/deadlines.md, "Pausing a clock").
_PAUSE_ENDED_BY = {
    EventAction.RESOLVE: PauseEnd.RESOLVED,
    EventAction.SEND_BACK: PauseEnd.SENT_BACK,
    EventAction.REASSIGN: PauseEnd.REASSIGNED,
    EventAction.WITHDRAW: PauseEnd.WITHDRAWN,
    EventAction.MERGE: PauseEnd.MERGED,
}


def _case_link(case: Case) -> str:
    return reverse("api:case-detail", kwargs={"pk": case.pk})


def _case_notify(case: Case, kind: str, recipients: Iterable[User | None], occurrence: str, **context: object) -> None:
    notifications_create(
        recipients=recipients,
        message=Message(
            kind=kind,
            key=f"case:{case.pk}:{kind}:{occurrence}",
            about=f"case:{case.pk}",
            link=_case_link(case),
            context={"case": case, **context},
        ),
    )


def _enterprise_contacts(case: Case) -> QuerySet[User]:
    return User.objects.filter(enterprise_contacts__enterprise_id=case.enterprise_id, is_active=True)


def case_event_record(
    *,
    case: Case,
    actor: User | None,
    action: str,
    from_state: str = "",
    note: str = "",
    data: dict | None = None,
    is_internal: bool = False,
    at: datetime,
) -> CaseEvent:
    """One row of the case's append-only event log, in the transaction of the change it records: ``to_state``
    is the case's state as it stands now, ``actor`` None for the system."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
        is_internal=is_internal,
        created_at=at,
    )


def case_lock(*, case_id: int, version: int | None = None) -> Case:
    """The case row, locked until the transaction ends, with its enterprise (the permission callables read it)
    and its category (a sub-case takes its parent's).

    Every write that changes a case locks it here first, so two writers to one case take turns. Given the
    ``version`` of the caller's copy, a row that changed since is refused with 409 (``stale_case``).
    """
    current = Case.objects.select_for_update(of=("self",)).select_related("enterprise", "category").get(pk=case_id)
    if version is not None and current.version != version:
        raise _stale_copy()
    return current


def _stale_copy() -> Conflict:
    return Conflict(_("Someone else changed this case a moment ago. Reload it and try again."), code="stale_case")


def _ensure_may(
    case: Case, *, acting_user: User | None, action: EventAction, refuse: str | None = None, vouched: bool = False
) -> None:
    """State and permission first, so that a refused user learns nothing from input validation.

    ``_run_transition`` checks again under the row lock; this early check is on the caller's copy. ``vouched``:
    the caller checked a rule of its own that lets the user act (a common problem's answerer resolves cases
    that are not theirs); the state is still checked.
    """
    transition_method = getattr(case, _TRANSITION_METHOD[action])
    if not can_proceed(transition_method):
        raise Conflict(_REFUSED_IN_STATE[action], code="invalid_state")
    if acting_user is not None and not vouched and not has_transition_perm(transition_method, acting_user):
        raise NotPermitted(refuse or _REFUSED_TO_USER[action])


def _run_transition(
    case: Case,
    *,
    acting_user: User | None,
    action: EventAction,
    note: str = "",
    data: dict | None = None,
    is_internal: bool = False,
    refuse: str | None = None,
    clock_change: Callable[[CaseClocks], None] | None = None,
    calendar: WorkCalendar | None = None,
    vouched: bool = False,
    **arguments: object,
) -> Case:
    """Lock, check, transition, bump the version, move the clocks, record. Call inside ``transaction.atomic``."""
    current = case_lock(case_id=case.pk, version=case.version)
    _ensure_may(current, acting_user=acting_user, action=action, refuse=refuse, vouched=vouched)
    transition_method = getattr(current, _TRANSITION_METHOD[action])
    from_state = current.state
    was_paused = current.paused_until is not None
    now = clock.now()
    transition_method(at=now, **arguments)
    current.version += 1
    try:
        current.save()
    except ConcurrentTransition:
        raise _stale_copy() from None
    if clock_change is not None or was_paused:
        clocks = CaseClocks(current, calendar=calendar or work_calendar(), at=now)
        if was_paused and current.paused_until is None:
            # Resolving runs the clock again for the moment it takes to meet it, so the case counts as resolved
            # (on time) in every rate; the other ways out leave it stopped for whoever gets the case next.
            _pause_close(
                current,
                how=_PAUSE_ENDED_BY[action],
                acting_user=acting_user,
                at=now,
                clocks=clocks,
                restart=action == EventAction.RESOLVE,
                is_internal=is_internal,
            )
        if clock_change is not None:
            clock_change(clocks)
            clocks.mirror()
    if current.state != CaseState.ASSIGNED or action == EventAction.REASSIGN:
        # A request for more time is moot once the case is resolved, sent back, closed or someone else's;
        # its log says which action of the case made it so (its code: a log's note is in no one's language).
        pending = current.extension_requests.filter(state=ExtensionState.PENDING).first()
        if pending is not None:
            logged_transition(pending.lapse, acting_user=acting_user, description=action, at=now)
            pending.save(update_fields=["state", "decided_at"])
        if from_state == CaseState.ASSIGNED:
            _pause_requests_lapse(current, action=action, at=now, acting_user=acting_user)
    case_event_record(
        case=current,
        actor=acting_user,
        action=action,
        from_state=from_state,
        note=note,
        data=data,
        is_internal=is_internal,
        at=now,
    )
    return current


def _assignable_member(*, assignee: User | None, unit: Unit | None) -> None:
    """The assignee must be a cadre or the head of the unit that becomes responsible."""
    if assignee is None or unit is None:
        message = _("Choose both a cadre and a unit.")
        raise InvalidInput(message, code="required", fields={"assignee": [message]})
    member = UnitMembership.objects.filter(
        user=assignee, unit=unit, role__in=[Role.CADRE, Role.UNIT_HEAD], user__is_active=True
    ).exists()
    if not member:
        message = _("%(user)s does not work in %(unit)s as a cadre or its head.") % {
            "user": user_name(assignee),
            "unit": unit,
        }
        raise InvalidInput(message, code="assignee_not_in_unit", fields={"assignee": [message]})


def _announce_closed(case: Case, *, rating: int | None, closure: str, acting_user: User | None) -> None:
    """Tell the apps above the workflow (``workflow.signals``), still inside the closing transaction."""
    case_closed.send(sender=Case, case=case, rating=rating, closure=closure, acting_user=acting_user, at=case.closed_at)


def case_version_bump(*, case: Case) -> None:
    """A change beside the state (a pending extension, a new deadline, a link to a common problem) still makes
    older copies of the case stale; the case must be locked (``case_lock``)."""
    case.version += 1
    Case.objects.filter(pk=case.pk).update(version=case.version)


def _pause_close(
    current: Case,
    *,
    how: PauseEnd,
    acting_user: User | None,
    at: datetime,
    clocks: CaseClocks,
    restart: bool,
    is_internal: bool = False,
    clock_at: datetime | None = None,
) -> ClockPause:
    """End the case's running pause, whose case transition (``resume``, or an action that leaves the pause)
    already ran: with ``restart``, a resolution clock of the working days it had left starts at ``clock_at``
    (the end of the expected date when the sweep resumes it; otherwise now). One event records it; it is
    internal when what ended it is (a send-back, a reassignment)."""
    pause = current.pauses.select_for_update().get(state=PauseState.RUNNING)
    stopped_until = clock_at or at
    # A running pause has both (the database's check pause_running_has_start).
    cycle = clocks.on_resumed(workdays=pause.workdays_left) if restart else None  # type: ignore[arg-type]
    workdays_paused = clocks.calendar.workdays_between(pause.paused_at, stopped_until)  # type: ignore[arg-type]
    logged_transition(
        pause.end,
        acting_user=acting_user,
        description=how,
        by=acting_user,
        how=how,
        at=at,
        workdays_paused=workdays_paused,
        cycle=cycle,
    )
    pause.save()
    case_event_record(
        case=current,
        actor=acting_user,
        action=EventAction.RESUME,
        data={
            "pause": pause.pk,
            "how": how,
            "workdays_paused": workdays_paused,
            "resolution_due_at": cycle.due_at.isoformat() if cycle else None,
        },
        is_internal=is_internal,
        at=at,
    )
    return pause


def _pause_requests_lapse(current: Case, *, action: str, at: datetime, acting_user: User | None) -> None:
    """A pause nobody approved yet is moot once the case leaves the assignee's hands: logged as done by whoever
    moved the case, with the case's ``action`` that made it so, as a lapsed request for more time is."""
    for pause in current.pauses.select_for_update().filter(state=PauseState.REQUESTED):
        logged_transition(pause.lapse, acting_user=acting_user, description=action, at=at)
        pause.save()
