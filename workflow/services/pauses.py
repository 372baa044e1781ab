"""Pausing a case's resolution clock (挂起) while it waits for the enterprise's material, and resuming it.

The assignee pauses with what is needed, why, and an expected date. Within the limits (``HUIYIN["PAUSE_MAX_COUNT"]``
pauses and ``HUIYIN["PAUSE_MAX_WORKDAYS"]`` paused working days per case) the clock stops at once; beyond them the
pause is a request a supervisor approves or rejects, like an extension. The clock runs again when the assignee or
the unit's head resumes it, when the enterprise answers (a public reply or an upload: ``messages``), or when the
expected date has passed (the sweep, ``case_pause_expire``). Rules: docs/deadlines.md, "Pausing a clock".
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from cases.models import Case, CaseState, Comment, EventAction, Visibility
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition
from enterprises.access import overseers_of
from enterprises.models import Role

from .. import clock
from ..deadlines import CaseClocks
from ..ladder import next_remind_at
from ..models import ClockPause, ExtensionState, PauseEnd, PauseState
from ..permissions import may_decide_pause
from ..reminders import PAUSE_STEPS
from ..selectors import pause_limits, work_calendar
from ..workdays import WorkCalendar
from .shared import (
    _case_notify,
    _ensure_may,
    _enterprise_contacts,
    _pause_close,
    _stale_copy,
    case_event_record,
    case_lock,
)

# The furthest an expected date may lie from today, like an extension's: beyond it a pause means nothing.
PAUSE_MAX_SPAN = timedelta(days=366)


def pause_needs_approval(*, earlier: Iterable[ClockPause], planned_workdays: int) -> bool:
    """Whether a new pause of ``planned_workdays`` goes beyond the limits, after the case's ``earlier`` ones."""
    max_count, max_workdays = pause_limits()
    earlier = list(earlier)
    used = sum(pause.workdays_paused or 0 for pause in earlier)
    return len(earlier) + 1 > max_count or used + planned_workdays > max_workdays


def _expected_due(calendar: WorkCalendar, expected_date: date, now: datetime) -> datetime:
    """The end of the expected date, which must be a working day after today and within a year."""
    today = calendar.local_date(now)
    if expected_date <= today or not calendar.is_workday(expected_date):
        message = _("Choose a working day after today.")
        raise InvalidInput(message, code="pause_date", fields={"expected_date": [message]})
    if expected_date > today + PAUSE_MAX_SPAN:
        message = _("A pause reaches at most a year ahead.")
        raise InvalidInput(message, code="pause_too_far", fields={"expected_date": [message]})
    return calendar.end_of_day(expected_date)


def case_pause(*, case: Case, acting_user: User, needed: str, reason: str, expected_date: date) -> ClockPause:
    """The assignee pauses the resolution clock (挂起) until ``expected_date``; beyond the limits it waits for a
    supervisor's approval, and the clock runs on meanwhile."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.PAUSE)
    needed = limits.required_text(
        needed, "needed", _("Say what the enterprise must supply, or what the case waits for."), limit=limits.REASON
    )
    reason = limits.required_text(reason, "reason", _("Say why the clock should stop."), limit=limits.REASON)
    with transaction.atomic():
        current = case_lock(case_id=case.pk, version=case.version)
        _ensure_may(current, acting_user=acting_user, action=EventAction.PAUSE)
        now, calendar = clock.now(), work_calendar()
        due_at = _expected_due(calendar, expected_date, now)
        if current.extension_requests.filter(state=ExtensionState.PENDING).exists():
            raise Conflict(
                _("A request for more time waits for a decision; pause the clock once it is decided."),
                code="extension_pending",
            )
        if current.pauses.filter(state=PauseState.REQUESTED).exists():
            raise Conflict(_("A pause of this case already waits for a supervisor's approval."), code="pause_pending")
        planned = calendar.workdays_between(now, due_at)
        needs_approval = pause_needs_approval(
            earlier=current.pauses.filter(state=PauseState.ENDED), planned_workdays=planned
        )
        pause = ClockPause.objects.create(
            case=current,
            state=PauseState.REQUESTED,
            needed=needed,
            reason=reason,
            expected_date=expected_date,
            due_at=due_at,
            planned_workdays=planned,
            needs_approval=needs_approval,
            requested_by=acting_user,
            requested_at=now,
        )
        if needs_approval:
            _pause_request_record(current, pause, acting_user=acting_user, now=now)
        else:
            _pause_begin(
                current,
                pause,
                run=lambda **stopped: logged_transition(
                    pause.begin, acting_user=acting_user, description=reason, at=now, **stopped
                ),
                now=now,
                calendar=calendar,
            )
    return pause


def _pause_request_record(current: Case, pause: ClockPause, *, acting_user: User, now: datetime) -> None:
    """A pause beyond the limits waits for a supervisor: internal, like a request for more time."""
    current.version += 1
    Case.objects.filter(pk=current.pk).update(version=current.version)
    max_count, max_workdays = pause_limits()
    case_event_record(
        case=current,
        actor=acting_user,
        action=EventAction.PAUSE_REQUEST,
        note=pause.reason,
        data={"pause": pause.pk, "expected_date": pause.expected_date.isoformat(), "needed": pause.needed},
        is_internal=True,
        at=now,
    )
    supervisors = overseers_of(
        Role.SUPERVISOR, unit_id=current.responsible_unit_id, township_id=current.enterprise.township_id
    )
    _case_notify(
        current,
        "pause_requested",
        supervisors,
        f"pause{pause.pk}",
        pause=pause,
        max_count=max_count,
        max_workdays=max_workdays,
    )


def _pause_begin(
    current: Case, pause: ClockPause, *, run: Callable[..., None], now: datetime, calendar: WorkCalendar
) -> None:
    """Stop the clock, run the pause's transition (``begin``, or a supervisor's ``approve``) with what the clock
    had left, tell the enterprise what is needed (a public reply from the assignee and a notification), and
    start the pause's reminder."""
    clocks = CaseClocks(current, calendar=calendar, at=now)
    cycle, workdays_left = clocks.on_paused()
    current.pause(until=pause.due_at, at=now)
    current.version += 1
    try:
        current.save()
    except ConcurrentTransition:
        raise _stale_copy() from None
    # The request for material is an answer to the enterprise: it meets the first-reply clock like any reply.
    clocks.on_public_reply()
    clocks.mirror()
    run(workdays_left=workdays_left, cycle=cycle)
    pause.remind_at = next_remind_at(PAUSE_STEPS, pause, calendar)
    pause.save()
    comment = Comment.objects.create(
        case=current, author=pause.requested_by, visibility=Visibility.PUBLIC, body=pause.needed, created_at=now
    )
    case_event_record(
        case=current,
        actor=pause.requested_by,
        action=EventAction.PAUSE,
        note=pause.needed,
        data={
            "pause": pause.pk,
            "comment": comment.pk,
            "expected_date": pause.expected_date.isoformat(),
            "paused_until": pause.due_at.isoformat(),
        },
        at=now,
    )
    _case_notify(current, "case_paused", _enterprise_contacts(current), f"pause{pause.pk}", pause=pause)


def pause_decide(*, pause: ClockPause, acting_user: User, approve: bool, note: str = "") -> ClockPause:
    """A supervisor approves a pause beyond the limits (the clock stops from now) or rejects it with a note."""
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    if not approve:
        note = limits.required_text(note, "note", _("Say why the pause is rejected."), limit=limits.NOTE)
    with transaction.atomic():
        current = case_lock(case_id=pause.case_id)
        pause = ClockPause.objects.select_for_update().get(pk=pause.pk)
        pause.case = current
        if not may_decide_pause(pause, acting_user):
            raise NotPermitted(
                _("Only a supervisor whose jurisdiction covers this case can decide on pausing its clock."),
                code="not_decider",
            )
        if pause.state != PauseState.REQUESTED:
            raise Conflict(_("This pause was already decided."), code="pause_decided")
        now, calendar = clock.now(), work_calendar()
        if approve:
            if pause.due_at <= now:
                raise Conflict(
                    _("The expected date of this pause has passed. Reject it; the assignee can ask again."),
                    code="pause_date_passed",
                )
            if current.state != CaseState.ASSIGNED or current.paused_until is not None:
                raise Conflict(_("This case's clock cannot be paused now."), code="invalid_state")
            _pause_begin(
                current,
                pause,
                run=lambda **stopped: logged_transition(
                    pause.approve,
                    acting_user=acting_user,
                    description=note,
                    by=acting_user,
                    note=note,
                    at=now,
                    **stopped,
                ),
                now=now,
                calendar=calendar,
            )
        else:
            logged_transition(
                pause.reject, acting_user=acting_user, description=note, by=acting_user, note=note, at=now
            )
            pause.save()
            current.version += 1
            Case.objects.filter(pk=current.pk).update(version=current.version)
        case_event_record(
            case=current,
            actor=acting_user,
            action=EventAction.PAUSE_DECISION,
            note=note,
            data={"pause": pause.pk, "approved": approve},
            is_internal=True,
            at=now,
        )
        _case_notify(current, "pause_decided", [pause.requested_by], f"pause{pause.pk}", pause=pause, approved=approve)
    return pause


def _resume(
    current: Case,
    *,
    how: PauseEnd,
    acting_user: User | None,
    now: datetime,
    calendar: WorkCalendar,
    clock_at: datetime | None = None,
) -> ClockPause:
    """The case's clock runs again (the case is locked and paused)."""
    clocks = CaseClocks(current, calendar=calendar, at=clock_at or now)
    current.resume(at=now)
    current.version += 1
    try:
        current.save()
    except ConcurrentTransition:
        raise _stale_copy() from None
    pause = _pause_close(
        current, how=how, acting_user=acting_user, at=now, clocks=clocks, restart=True, clock_at=clock_at
    )
    clocks.mirror()
    return pause


def case_resume(*, case: Case, acting_user: User) -> Case:
    """The assignee or the unit's head resumes the clock before the expected date."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.RESUME)
    with transaction.atomic():
        current = case_lock(case_id=case.pk, version=case.version)
        _ensure_may(current, acting_user=acting_user, action=EventAction.RESUME)
        _resume(current, how=PauseEnd.OFFICIAL, acting_user=acting_user, now=clock.now(), calendar=work_calendar())
    return current


def case_resume_on_answer(*, case: Case, acting_user: User, how: PauseEnd, now: datetime) -> bool:
    """The enterprise answered a paused case (a public reply or an upload): its clock runs again and the assignee
    hears so. Call inside the answer's transaction, after ``case_lock``; returns whether it resumed."""
    if case.state != CaseState.ASSIGNED or case.paused_until is None:
        return False
    pause = _resume(case, how=how, acting_user=acting_user, now=now, calendar=work_calendar())
    _case_notify(case, "case_resumed", [case.assignee], f"pause{pause.pk}", pause=pause)
    return True


def case_pause_expire(*, pause_id: int, now: datetime, calendar: WorkCalendar) -> bool:
    """The sweep resumes a pause whose expected date has passed, counting the clock from the end of that date.

    The case is locked first, as every other writer locks it, and the pause is re-read under the lock: a second
    sweep, or the enterprise answering at the same moment, finds it ended. Returns whether it resumed it.
    """
    case_id = ClockPause.objects.filter(pk=pause_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    with transaction.atomic():
        current = case_lock(case_id=case_id)
        running = current.pauses.filter(pk=pause_id, state=PauseState.RUNNING, due_at__lte=now)
        if current.paused_until is None or not running.exists():
            return False
        pause = _resume(
            current,
            how=PauseEnd.EXPECTED_DATE,
            acting_user=None,
            now=now,
            calendar=calendar,
            clock_at=min(now, current.paused_until),
        )
        _case_notify(current, "case_resumed", [current.assignee], f"pause{pause.pk}", pause=pause)
    return True
