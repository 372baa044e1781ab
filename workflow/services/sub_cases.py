"""Sub-cases the joint review meeting assigns to units, and what a parent waits for."""

from datetime import date, datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case, CaseNumberSequence, EventAction, format_case_number
from cases.permissions import supervises
from cases.states import UNRESOLVED_STATES
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from enterprises.models import Role, Unit, UnitMembership
from enterprises.selectors import unit_heads

from .. import clock
from ..deadlines import CaseClocks, fixed_due
from ..selectors import work_calendar
from ..workdays import Deadline, WorkCalendar
from .shared import _assignable_member, _case_notify, _run_transition, case_event_record, case_lock


def sub_case_file(
    *,
    parent: Case,
    acting_user: User,
    unit: Unit,
    assignee: User | None = None,
    title: str,
    description: str,
    resolution_workdays: int | None = None,
    resolution_due_date: date | None = None,
    calendar: WorkCalendar | None = None,
) -> Case:
    """File a sub-case of ``parent`` the joint review meeting decided, already assigned to a unit.

    It is a case like any other of the parent's enterprise and category: it gets a number,
    clocks, reminders and the assignee's notification. Without a named assignee the unit's
    head receives it and can hand it on within the unit. Its resolution deadline is counted in
    working days from now, or set to the end of a given working day.
    """
    if not supervises(parent, acting_user):
        raise NotPermitted(
            _("Only a supervisor whose jurisdiction covers the case can assign its sub-cases."),
            code="not_supervisor",
        )
    if parent.state not in UNRESOLVED_STATES:
        raise Conflict(_("Sub-cases can be added only to a case that is still being worked on."), code="invalid_state")
    title = limits.required_text(title, "title", _("Give the sub-case a short title."), limit=limits.TITLE)
    description = limits.required_text(
        description, "description", _("Describe what the unit must do."), limit=limits.DESCRIPTION
    )
    if not unit.is_active:
        message = _("This unit is no longer active.")
        raise InvalidInput(message, code="unit_inactive", fields={"unit": [message]})
    if assignee is None:
        assignee = _unit_head_of(unit)
    _assignable_member(assignee=assignee, unit=unit)
    calendar = calendar or work_calendar()
    now = clock.now()
    resolution_due = _sub_case_due(
        calendar, now=now, resolution_workdays=resolution_workdays, resolution_due_date=resolution_due_date
    )
    with transaction.atomic():
        year = timezone.localdate(now).year
        case = Case.objects.create(
            number=format_case_number(year, CaseNumberSequence.allocate(year)),
            enterprise=parent.enterprise,
            filed_by=acting_user,
            category=parent.category,
            title=title,
            description=description,
            complexity=parent.complexity,
            parent=parent,
            filed_at=now,
        )
        case_event_record(case=case, actor=acting_user, action=EventAction.FILE, data={"parent": parent.number}, at=now)
        clocks = CaseClocks(case, calendar=calendar, at=now)
        clocks.on_filed()
        clocks.mirror()
        case = _run_transition(
            case,
            acting_user=None,
            action=EventAction.ASSIGN,
            data={"automatic": True, "assignee": assignee.get_username(), "unit": unit.name, "parent": parent.number},
            clock_change=lambda clocks: clocks.on_assigned(
                action="assign", assignee=assignee, unit=unit, resolution_due=resolution_due
            ),
            calendar=calendar,
            assignee=assignee,
            unit=unit,
        )
        _case_notify(case, "case_assigned", [assignee], f"v{case.version}")
    return case


def _unit_head_of(unit: Unit) -> User:
    """The unit's longest-serving active head: who receives a sub-case nobody was named for."""
    membership = (
        UnitMembership.objects.filter(unit=unit, role=Role.UNIT_HEAD, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        message = _("%(unit)s has no head to receive the sub-case; name an assignee.") % {"unit": unit}
        raise InvalidInput(message, code="assignee_required", fields={"assignee": [message]})
    return membership.user


def _sub_case_due(
    calendar: WorkCalendar, *, now: datetime, resolution_workdays: int | None, resolution_due_date: date | None
) -> Deadline:
    """Exactly one of a number of working days or a working day in the future."""
    if (resolution_workdays is None) == (resolution_due_date is None):
        message = _("Give the deadline either in working days or as a date.")
        raise InvalidInput(message, code="deadline_required", fields={"resolution_workdays": [message]})
    if resolution_workdays is not None:
        if resolution_workdays < 1:
            message = _("A deadline needs at least one working day.")
            raise InvalidInput(message, code="deadline_workdays", fields={"resolution_workdays": [message]})
        return calendar.add_workdays(now, resolution_workdays)
    if not calendar.is_workday(resolution_due_date) or resolution_due_date <= calendar.local_date(now):  # type: ignore[arg-type, operator]  # the date, when not days
        message = _("Choose a working day after today.")
        raise InvalidInput(message, code="deadline_date", fields={"resolution_due_date": [message]})
    return fixed_due(calendar, calendar.end_of_day(resolution_due_date))  # type: ignore[arg-type]  # as above


def _refuse_open_sub_cases(case: Case) -> None:
    """A case the joint review meeting split into sub-cases is answered only once every sub-case is."""
    # A sub-case counts as done once answered (resolved); until then its parent cannot be resolved.
    remaining = case.sub_cases.filter(state__in=UNRESOLVED_STATES).count()
    if remaining:
        message = ngettext(
            "%(count)d sub-case of the joint review meeting is still open; resolve it first.",
            "%(count)d sub-cases of the joint review meeting are still open; resolve them first.",
            remaining,
        ) % {"count": remaining}
        raise Conflict(message, code="sub_cases_open")


def _parent_notify_when_sub_cases_done(sub_case: Case) -> None:
    """When the last open sub-case is answered, tell the parent's assignee and unit heads they can resolve it.

    The parent's row lock makes two sub-cases answered at once count each other: the second to
    lock sees the first as answered, so exactly one of them sends the notice.
    """
    parent = case_lock(case_id=sub_case.parent_id)  # type: ignore[arg-type]  # a sub-case has a parent
    if parent.state not in UNRESOLVED_STATES:
        return
    if parent.sub_cases.filter(state__in=UNRESOLVED_STATES).exists():
        return
    heads = unit_heads([parent.responsible_unit_id])  # type: ignore[list-item]  # assigned: has a unit
    recipients = [parent.assignee, *heads.get(parent.responsible_unit_id, [])]  # type: ignore[arg-type]  # as above
    _case_notify(parent, "sub_cases_done", recipients, f"sub{sub_case.pk}v{sub_case.version}", last=sub_case)
