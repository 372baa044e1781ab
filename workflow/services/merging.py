"""Merging duplicates (并单): one enterprise filed the same problem twice; one case answers both.

The duplicate is closed as "duplicate" with a link to the case that goes on; its clocks stop as merged, so it
is neither late nor a case of its own in the rates (docs/rates.md). Both cases get an event the enterprise
sees, and the enterprise is told where its problem is answered.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Case, Closure, EventAction
from cases.states import OPEN_STATES
from core import limits
from core.errors import Conflict, InvalidInput

from ..models import ClockOutcome
from .shared import (
    _announce_closed,
    _case_notify,
    _ensure_may,
    _enterprise_contacts,
    _run_transition,
    case_event_record,
    case_lock,
    case_version_bump,
)
from .sub_cases import _refuse_open_sub_cases


def _refuse_target(case: Case, into: Case) -> None:
    if into.pk == case.pk:
        message = _("A case cannot be merged into itself.")
        raise InvalidInput(message, code="merge_into_itself", fields={"into": [message]})
    if into.enterprise_id != case.enterprise_id:
        message = _(
            "Only cases of the same enterprise can be merged; link other enterprises' cases as a common problem."
        )
        raise InvalidInput(message, code="merge_other_enterprise", fields={"into": [message]})
    if into.state not in OPEN_STATES:
        message = _("The case to merge into is closed; merge only into an open case.")
        raise Conflict(message, code="merge_into_closed")
    if into.parent_id is not None:
        message = _("A sub-case is the joint review meeting's assignment to a unit; merge into the enterprise's case.")
        raise InvalidInput(message, code="merge_into_sub_case", fields={"into": [message]})


def case_merge(*, case: Case, into: Case, acting_user: User, note: str = "") -> Case:
    """Close ``case`` as a duplicate of ``into`` (same enterprise, open); the enterprise is told which case
    answers it."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.MERGE)
    _refuse_target(case, into)
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    with transaction.atomic():
        # Both rows locked in id order, so that two merges of the same pair in opposite directions take turns.
        first, second = sorted((case.pk, into.pk))
        locked = {pk: case_lock(case_id=pk) for pk in (first, second)}
        target = locked[into.pk]
        _refuse_target(locked[case.pk], target)
        # The meeting's sub-cases answer to their parent: it stays until they are done, like resolving it.
        _refuse_open_sub_cases(locked[case.pk])
        assignee = locked[case.pk].assignee
        case = _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.MERGE,
            note=note,
            data={"into": target.number, "into_id": target.pk},
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.MERGED),
            into=target,
        )
        case_event_record(
            case=target,
            actor=acting_user,
            action=EventAction.MERGE_IN,
            from_state=target.state,
            note=note,
            data={"from": case.number, "from_id": case.pk},
            at=case.closed_at,  # type: ignore[arg-type]  # merged: closed
        )
        case_version_bump(case=target)
        recipients = [*_enterprise_contacts(case), assignee]
        _case_notify(case, "case_merged", recipients, f"v{case.version}", into=target)
        _announce_closed(case, rating=None, closure=Closure.DUPLICATE, acting_user=acting_user)
    return case
