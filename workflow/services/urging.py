"""The urging ladder (催办 → 督办 → 挂牌督办), moved by a supervisor, up or down."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, EventAction, UrgingLevel
from cases.permissions import supervises
from cases.states import UNRESOLVED_STATES
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from enterprises.selectors import enterprise_leaders, unit_heads

from .. import clock
from ..models import ClockKind, DeadlineCycle
from .shared import _case_notify, case_event_record, case_lock, case_version_bump


def _urging_audience(case: Case, level: int) -> list[User]:
    """Each level reaches further up: the assignee, then the unit's heads, then the enterprise's 包联 leader."""
    recipients = [case.assignee] if level >= UrgingLevel.URGED and case.assignee else []
    if level < UrgingLevel.SUPERVISED:
        return recipients
    recipients += unit_heads([case.responsible_unit_id]).get(case.responsible_unit_id, [])  # type: ignore[list-item, arg-type]  # assigned: has a unit
    if level >= UrgingLevel.LISTED:
        recipients += enterprise_leaders([case.enterprise_id]).values()
    return recipients


def _urging_level_set(
    current: Case,
    *,
    acting_user: User | None,
    level: int,
    note: str,
    answer_due_at: datetime | None,
    now: datetime,
    data: dict | None = None,
) -> None:
    """Move a locked case to ``level``, record it and tell those it concerns. Call inside ``transaction.atomic``.

    Raising notifies the new level's audience. Lowering or clearing tells the assignee and everyone the
    previous level had reached that the pressure is off. Whatever the direction, the running resolution
    clock is marked as urged, so the sweep never overrides a supervisor's decision on that clock.
    """
    previous = current.urging_level
    Case.objects.filter(pk=current.pk).update(urging_level=level, urging_answer_due_at=answer_due_at, updated_at=now)
    current.urging_level, current.urging_answer_due_at = level, answer_due_at
    case_version_bump(case=current)
    DeadlineCycle.objects.filter(
        case=current, kind=ClockKind.RESOLUTION, ended_at__isnull=True, urged_at__isnull=True
    ).update(urged_at=now)
    case_event_record(
        case=current,
        actor=acting_user,
        action=EventAction.URGE,
        from_state=current.state,
        note=note,
        data={
            "from": previous,
            "to": level,
            "answer_due_at": answer_due_at.isoformat() if answer_due_at else None,
            **(data or {}),
        },
        is_internal=True,
        at=now,
    )
    raised = level > previous
    _case_notify(
        current,
        "case_urged" if raised else "case_urging_lowered",
        _urging_audience(current, level if raised else previous),
        f"v{current.version}",
        level=UrgingLevel(level).label,
        previous_level=UrgingLevel(previous).label,
        cleared=level == UrgingLevel.NONE,
        note=note,
        answer_due_at=answer_due_at,
    )


def case_urge(*, case: Case, acting_user: User, level: int, note: str, answer_due_at: datetime | None = None) -> Case:
    """A supervisor moves the case on the urging ladder (催办 → 督办 → 挂牌督办), up or down, with a note.

    Raising asks for the next answer by ``answer_due_at``; lowering keeps the current answer time
    unless a new one is given; clearing removes it. The ladder is government business, so its events
    are internal.
    """
    if not supervises(case, acting_user):
        raise NotPermitted(
            _("Only a supervisor whose jurisdiction covers this case can change its urging level."),
            code="not_supervisor",
        )
    if case.state not in UNRESOLVED_STATES:
        raise Conflict(_("Only a case that is still open and unresolved can be urged."), code="invalid_state")
    if level not in UrgingLevel.values:
        message = _("Choose an urging level.")
        raise InvalidInput(message, code="urging_level", fields={"level": [message]})
    note = limits.required_text(note, "note", _("Say why the urging level changes."), limit=limits.NOTE)
    with transaction.atomic():
        current = case_lock(case_id=case.pk, version=case.version)
        if current.state not in UNRESOLVED_STATES:
            raise Conflict(_("Only a case that is still open and unresolved can be urged."), code="invalid_state")
        previous = current.urging_level
        if previous == level:
            raise Conflict(_("The case is already at this urging level."), code="urging_unchanged")
        now = clock.now()
        if answer_due_at is not None and answer_due_at <= now:
            message = _("The answer must be due in the future.")
            raise InvalidInput(message, code="deadline_past", fields={"answer_due_at": [message]})
        if level > previous and answer_due_at is None:
            message = _("Say by when the next answer is due.")
            raise InvalidInput(message, code="required", fields={"answer_due_at": [message]})
        if level == UrgingLevel.NONE:
            answer_due_at = None
        elif answer_due_at is None:
            answer_due_at = current.urging_answer_due_at
        _urging_level_set(
            current, acting_user=acting_user, level=level, note=note, answer_due_at=answer_due_at, now=now
        )
    return current
