"""What the sweep does to a case by itself: urge it when it is overdue, close it when the enterprise
never answered.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case, CaseState, Closure, EventAction, UrgingLevel

from .. import clock
from ..models import ClockOutcome, DeadlineCycle
from ..workdays import WorkCalendar
from .shared import _announce_closed, _case_notify, _enterprise_contacts, _run_transition, case_lock
from .urging import _urging_level_set


def case_urge_overdue(*, cycle: DeadlineCycle, calendar: WorkCalendar, now: datetime) -> bool:
    """The sweep's own 催办 of a case overdue on its resolution clock: level 1, no acting user, a generated note.

    The clock is claimed first (its ``urged_at``), in the same transaction as the urging, so a second
    sweep or a second worker does nothing. A case that meanwhile left the assigned state or was urged
    by hand keeps the claim but is left alone. Returns whether the case was urged.
    """
    with transaction.atomic():
        claimed = DeadlineCycle.objects.filter(pk=cycle.pk, ended_at__isnull=True, urged_at__isnull=True).update(
            urged_at=now
        )
        if not claimed:
            return False
        current = case_lock(case_id=cycle.case_id)
        if current.state != CaseState.ASSIGNED or current.urging_level != UrgingLevel.NONE:
            return False
        overdue_workdays, answer_due_at, note = automatic_urging(calendar=calendar, due_at=cycle.due_at, now=now)
        _urging_level_set(
            current,
            acting_user=None,
            level=UrgingLevel.URGED,
            note=note,
            answer_due_at=answer_due_at,
            now=now,
            data={"automatic": True, "overdue_workdays": overdue_workdays},
        )
    return True


def automatic_urging(*, calendar: WorkCalendar, due_at: datetime, now: datetime) -> tuple[int, datetime, str]:
    """The sweep's own urging of a clock due at ``due_at``: how late it is, by when to answer, and its note."""
    overdue_workdays = calendar.workdays_between(due_at, now)
    answer_due_at = calendar.add_workdays(now, settings.HUIYIN["AUTO_URGE_ANSWER_WORKDAYS"]).due_at
    # The note is part of the record, so it is written once, in the site's language, not per reader.
    with translation.override(settings.LANGUAGE_CODE):
        note = _(
            "Overdue by %(days)d working days on its resolution deadline: urged automatically (催办). "
            "Report progress by %(due)s."
        ) % {"days": overdue_workdays, "due": answer_due_at.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M")}
    return overdue_workdays, answer_due_at, note


def case_close_unanswered(*, case_id: int, now: datetime | None = None) -> bool:
    """Close a resolved case whose enterprise neither confirmed nor rejected in time ("no answer").

    Returns whether it closed; a case that moved on meanwhile is left alone.
    """
    with transaction.atomic():
        try:
            case = case_lock(case_id=case_id)
        except Case.DoesNotExist:
            return False
        now = now or clock.now()
        if case.state != CaseState.RESOLVED or not case.confirmation_due_at:
            return False
        if case.confirmation_due_at > now:
            return False
        case = _run_transition(
            case,
            acting_user=None,
            action=EventAction.CLOSE,
            data={"closure": Closure.NO_ANSWER, "satisfaction": None},
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.EXPIRED),
            closure=Closure.NO_ANSWER,
            satisfaction=None,
            comment="",
        )
        _case_notify(case, "case_closed", [case.assignee, *_enterprise_contacts(case)], f"v{case.version}", rating="")
        _announce_closed(case, rating=None, closure=Closure.NO_ANSWER, acting_user=None)
    return True
