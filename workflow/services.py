"""One service per action on a case.

Each runs in one transaction: it re-reads the case with a row lock, refuses a
stale copy (409), checks the user's permission on the server, runs the
django-fsm transition, writes exactly one event row and creates the
notifications. Either all of that commits or none of it does.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from cases.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseState,
    Category,
    Closure,
    Comment,
    Complexity,
    EventAction,
    ResolutionType,
    Satisfaction,
    UrgingLevel,
    Visibility,
    format_case_number,
)
from cases.permissions import enterprise_may_reopen, is_filing_enterprise, supervises
from cases.selectors import cases_visible_to
from cases.states import UNRESOLVED_STATES
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from enterprises.access import overseers_of, roles_for_user
from enterprises.models import Enterprise, Role, Unit, UnitMembership
from enterprises.selectors import enterprise_leaders, unit_heads
from notifications.services import Message, notifications_create

from . import clock
from .attachments import content_type_for_upload
from .deadlines import CaseClocks, fixed_due, policy_for
from .models import ClockKind, ClockOutcome, DeadlineCycle, ExtensionRequest, ExtensionState
from .routing import route_for
from .selectors import work_calendar
from .signals import case_closed
from .workdays import Deadline, WorkCalendar

User = get_user_model()


REFUSED_IN_STATE = {
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
}


REFUSED_TO_USER = {
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
}
TRANSITION_METHOD = {
    EventAction.ASSIGN: "assign",
    EventAction.ACCEPT: "accept",
    EventAction.SEND_BACK: "send_back",
    EventAction.REASSIGN: "reassign",
    EventAction.RESOLVE: "resolve",
    EventAction.REOPEN: "reopen",
    EventAction.CLOSE: "close",
    EventAction.WITHDRAW: "withdraw",
    EventAction.RECHECK_REOPEN: "reopen_after_recheck",
}


def required_text(value: str | None, field: str, message: str, *, limit: int) -> str:
    """A text that must be given, within its limit (``core.limits``)."""
    text = limits.checked_text(value, field=field, limit=limit)
    if not text:
        raise InvalidInput(message, code="required", fields={field: [message]})
    return text


def case_link(case: Case) -> str:
    return reverse("api:case-detail", kwargs={"pk": case.pk})


def notify(case: Case, kind: str, recipients, occurrence: str, **context) -> None:
    notifications_create(
        recipients=recipients,
        message=Message(
            kind=kind,
            key=f"case:{case.pk}:{kind}:{occurrence}",
            about=f"case:{case.pk}",
            link=case_link(case),
            context={"case": case, **context},
        ),
    )


def enterprise_contacts(case: Case):
    return User.objects.filter(enterprise_contacts__enterprise_id=case.enterprise_id, is_active=True)


def record_event(
    case: Case,
    *,
    actor,
    action: str,
    from_state: str = "",
    note: str = "",
    data: dict | None = None,
    is_internal: bool = False,
    at: datetime,
) -> CaseEvent:
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


def locked_copy(case: Case) -> Case:
    """The current row, locked until commit; a copy older than it is refused with 409."""
    current = Case.objects.select_for_update().select_related("enterprise").get(pk=case.pk)
    if current.version != case.version:
        raise Conflict(_("Someone else changed this case a moment ago. Reload it and try again."), code="stale_case")
    return current


def ensure_may(case: Case, *, acting_user, action: EventAction, refuse=None) -> None:
    """State and permission first, so that a refused user learns nothing from input validation.

    ``run_transition`` checks again under the row lock; this early check is on the caller's copy.
    """
    transition_method = getattr(case, TRANSITION_METHOD[action])
    if not can_proceed(transition_method):
        raise Conflict(REFUSED_IN_STATE[action], code="invalid_state")
    if acting_user is not None and not has_transition_perm(transition_method, acting_user):
        raise NotPermitted(refuse or REFUSED_TO_USER[action])


def run_transition(
    case: Case,
    *,
    acting_user,
    action: EventAction,
    note: str = "",
    data: dict | None = None,
    is_internal: bool = False,
    refuse=None,
    clock_change=None,
    calendar=None,
    **arguments,
) -> Case:
    """Lock, check, transition, bump the version, move the clocks, record. Call inside ``transaction.atomic``."""
    current = locked_copy(case)
    ensure_may(current, acting_user=acting_user, action=action, refuse=refuse)
    transition_method = getattr(current, TRANSITION_METHOD[action])
    from_state = current.state
    now = clock.now()
    transition_method(at=now, **arguments)
    current.version += 1
    try:
        current.save()
    except ConcurrentTransition:
        raise Conflict(
            _("Someone else changed this case a moment ago. Reload it and try again."), code="stale_case"
        ) from None
    if clock_change is not None:
        clocks = CaseClocks(current, calendar=calendar or work_calendar(), at=now)
        clock_change(clocks)
        clocks.mirror()
    if current.state != CaseState.ASSIGNED or action == EventAction.REASSIGN:
        # A request for more time is moot once the case is resolved, sent back, closed or someone else's.
        current.extension_requests.filter(state=ExtensionState.PENDING).update(
            state=ExtensionState.LAPSED, decided_at=now
        )
    record_event(
        current,
        actor=acting_user,
        action=action,
        from_state=from_state,
        note=note,
        data=data,
        is_internal=is_internal,
        at=now,
    )
    return current


def assignable_member(*, assignee, unit: Unit) -> None:
    """The assignee must be a cadre or the head of the unit that becomes responsible."""
    if assignee is None or unit is None:
        message = _("Choose both a cadre and a unit.")
        raise InvalidInput(message, code="required", fields={"assignee": [message]})
    member = UnitMembership.objects.filter(
        user=assignee, unit=unit, role__in=[Role.CADRE, Role.UNIT_HEAD], user__is_active=True
    ).exists()
    if not member:
        message = _("%(user)s does not work in %(unit)s as a cadre or its head.") % {
            "user": assignee.get_full_name() or assignee,
            "unit": unit,
        }
        raise InvalidInput(message, code="assignee_not_in_unit", fields={"assignee": [message]})


def case_file(
    *,
    acting_user,
    enterprise: Enterprise,
    category: Category,
    title: str,
    description: str,
    complexity: str = Complexity.ORDINARY,
    follows_up: Case | None = None,
) -> Case:
    """File a problem for an enterprise; route it to the enterprise's 包联 cadre when the category says so."""
    roles = roles_for_user(acting_user)
    if not (roles.is_contact_of(enterprise.pk) or enterprise.pk in roles.served_enterprise_ids):
        raise NotPermitted(
            _("You can file problems only for your own enterprise or for enterprises you serve."),
            code="not_your_enterprise",
        )
    if not enterprise.is_active:
        message = _("This enterprise is no longer active.")
        raise InvalidInput(message, code="enterprise_inactive", fields={"enterprise": [message]})
    if not category.is_active:
        raise InvalidInput(_("This category is no longer in use."), code="category_inactive")
    title = required_text(title, "title", _("Give the problem a short title."), limit=limits.TITLE)
    description = required_text(description, "description", _("Describe the problem."), limit=limits.DESCRIPTION)
    if follows_up is not None:
        if not cases_visible_to(acting_user).filter(pk=follows_up.pk).exists():
            raise InvalidInput(_("The case to follow up does not exist."), code="follow_up_unknown")
        if follows_up.enterprise_id != enterprise.pk or follows_up.state != CaseState.CLOSED:
            message = _("A follow-up links to a closed case of the same enterprise.")
            raise InvalidInput(message, code="follow_up_invalid", fields={"follows_up": [message]})

    with transaction.atomic():
        now = clock.now()
        year = timezone.localdate(now).year
        case = Case.objects.create(
            number=format_case_number(year, CaseNumberSequence.allocate(year)),
            enterprise=enterprise,
            filed_by=acting_user,
            category=category,
            title=title,
            description=description,
            complexity=complexity,
            follows_up=follows_up,
            filed_at=now,
        )
        record_event(
            case,
            actor=acting_user,
            action=EventAction.FILE,
            data={"follows_up": follows_up.number} if follows_up else None,
            at=now,
        )
        calendar = work_calendar()
        clocks = CaseClocks(case, calendar=calendar, at=now)
        clocks.on_filed()
        clocks.mirror()
        route = route_for(enterprise=enterprise, category=category)
        if route.automatic:
            case = run_transition(
                case,
                acting_user=None,
                action=EventAction.ASSIGN,
                data={"automatic": True, "assignee": route.cadre.get_username(), "unit": route.cadre_unit.name},
                clock_change=lambda clocks: clocks.on_assigned(
                    action="assign", assignee=route.cadre, unit=route.cadre_unit
                ),
                calendar=calendar,
                assignee=route.cadre,
                unit=route.cadre_unit,
            )
            notify(case, "case_assigned", [route.cadre], f"v{case.version}")
    return case


def sub_case_file(
    *,
    parent: Case,
    acting_user,
    unit: Unit,
    assignee=None,
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
    title = required_text(title, "title", _("Give the sub-case a short title."), limit=limits.TITLE)
    description = required_text(
        description, "description", _("Describe what the unit must do."), limit=limits.DESCRIPTION
    )
    if not unit.is_active:
        message = _("This unit is no longer active.")
        raise InvalidInput(message, code="unit_inactive", fields={"unit": [message]})
    if assignee is None:
        assignee = unit_head_of(unit)
    assignable_member(assignee=assignee, unit=unit)
    calendar = calendar or work_calendar()
    now = clock.now()
    resolution_due = sub_case_due(
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
        record_event(case, actor=acting_user, action=EventAction.FILE, data={"parent": parent.number}, at=now)
        clocks = CaseClocks(case, calendar=calendar, at=now)
        clocks.on_filed()
        clocks.mirror()
        case = run_transition(
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
        notify(case, "case_assigned", [assignee], f"v{case.version}")
    return case


def unit_head_of(unit: Unit):
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


def sub_case_due(
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
    if not calendar.is_workday(resolution_due_date) or resolution_due_date <= calendar.local_date(now):
        message = _("Choose a working day after today.")
        raise InvalidInput(message, code="deadline_date", fields={"resolution_due_date": [message]})
    return fixed_due(calendar, calendar.end_of_day(resolution_due_date))


def case_assign(
    *,
    case: Case,
    acting_user,
    assignee,
    unit: Unit,
    response_due_at: datetime | None = None,
    resolution_due_at: datetime | None = None,
    note: str = "",
) -> Case:
    """The dispatcher routes an opened (or returned) case to a cadre of a unit."""
    ensure_may(case, acting_user=acting_user, action=EventAction.ASSIGN)
    assignable_member(assignee=assignee, unit=unit)
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    now = clock.now()
    for field, due_at in (("response_due_at", response_due_at), ("resolution_due_at", resolution_due_at)):
        if due_at is not None and due_at <= now:
            message = _("A deadline must lie in the future.")
            raise InvalidInput(message, code="deadline_past", fields={field: [message]})
    if response_due_at and resolution_due_at and resolution_due_at < response_due_at:
        message = _("The resolution deadline cannot come before the response deadline.")
        raise InvalidInput(message, code="deadline_order", fields={"resolution_due_at": [message]})
    with transaction.atomic():
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.ASSIGN,
            note=note,
            data={"assignee": assignee.get_username(), "unit": unit.name},
            clock_change=lambda clocks: clocks.on_assigned(
                action="assign",
                assignee=assignee,
                unit=unit,
                response_due=fixed_due(clocks.calendar, response_due_at),
                resolution_due=fixed_due(clocks.calendar, resolution_due_at),
            ),
            assignee=assignee,
            unit=unit,
        )
        notify(case, "case_assigned", [assignee], f"v{case.version}")
    return case


def case_accept(*, case: Case, acting_user) -> Case:
    """The assignee signs for the case (签收)."""
    with transaction.atomic():
        return run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.ACCEPT,
            clock_change=lambda clocks: clocks.on_accepted(),
        )


def case_send_back(*, case: Case, acting_user, reason: str) -> Case:
    """The assignee returns the case to the dispatcher (退单), with a reason."""
    ensure_may(case, acting_user=acting_user, action=EventAction.SEND_BACK)
    reason = required_text(reason, "reason", _("Say why the case is sent back."), limit=limits.REASON)
    with transaction.atomic():
        unit = case.responsible_unit
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.SEND_BACK,
            note=reason,
            data={"unit": unit.name if unit else ""},
            is_internal=True,
            clock_change=lambda clocks: clocks.on_sent_back(),
        )
        dispatchers = User.objects.filter(unit_memberships__role=Role.DISPATCHER, is_active=True).distinct()
        notify(case, "case_sent_back", dispatchers, f"v{case.version}", reason=reason)
    return case


def case_reassign(*, case: Case, acting_user, assignee, unit: Unit | None = None, note: str = "") -> Case:
    """Hand the case to another cadre. A unit head may do so only within the units they head."""
    ensure_may(case, acting_user=acting_user, action=EventAction.REASSIGN)
    unit = unit or case.responsible_unit
    roles = roles_for_user(acting_user)
    if not (roles.is_dispatcher or supervises(case, acting_user)) and not roles.heads_unit_or_above(unit.pk):
        message = _("A unit head can reassign only within the units they head.")
        raise NotPermitted(message, code="outside_unit")
    assignable_member(assignee=assignee, unit=unit)
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    with transaction.atomic():
        previous = case.assignee
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.REASSIGN,
            note=note,
            data={
                "from": previous.get_username() if previous else "",
                "assignee": assignee.get_username(),
                "unit": unit.name,
            },
            is_internal=True,
            clock_change=lambda clocks: clocks.on_assigned(action="reassign", assignee=assignee, unit=unit),
            assignee=assignee,
            unit=unit,
        )
        notify(case, "case_assigned", [assignee], f"v{case.version}")
    return case


def refuse_open_sub_cases(case: Case) -> None:
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


def parent_notify_when_sub_cases_done(sub_case: Case) -> None:
    """When the last open sub-case is answered, tell the parent's assignee and unit heads they can resolve it.

    The parent's row lock makes two sub-cases answered at once count each other: the second to
    lock sees the first as answered, so exactly one of them sends the notice.
    """
    parent = Case.objects.select_for_update().select_related("enterprise").get(pk=sub_case.parent_id)
    if parent.state not in UNRESOLVED_STATES:
        return
    if parent.sub_cases.filter(state__in=UNRESOLVED_STATES).exists():
        return
    heads = unit_heads([parent.responsible_unit_id])
    recipients = [parent.assignee, *heads.get(parent.responsible_unit_id, [])]
    notify(parent, "sub_cases_done", recipients, f"sub{sub_case.pk}v{sub_case.version}", last=sub_case)


def case_resolve(*, case: Case, acting_user, resolution_type: str, reply: str) -> Case:
    """Answer the enterprise with how the problem was handled; a parent waits for its sub-cases."""
    ensure_may(case, acting_user=acting_user, action=EventAction.RESOLVE)
    if resolution_type not in ResolutionType.values:
        message = _("Choose how the problem was resolved.")
        raise InvalidInput(message, code="resolution_type", fields={"resolution_type": [message]})
    reply = required_text(reply, "reply", _("Write the reply the enterprise will read."), limit=limits.REPLY)
    with transaction.atomic():
        # Under the parent's lock: a joint review decision adding sub-cases waits for it, and vice versa.
        refuse_open_sub_cases(locked_copy(case))
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.RESOLVE,
            note=reply,
            data={"resolution_type": resolution_type},
            clock_change=lambda clocks: clocks.on_resolved(),
            resolution_type=resolution_type,
            reply=reply,
        )
        notify(case, "case_resolved", enterprise_contacts(case), f"v{case.version}")
        if case.parent_id is not None:
            parent_notify_when_sub_cases_done(case)
    return case


# A parent in these states counted on its sub-cases being done; reopening one would undo that unseen.
SETTLED_STATES = (CaseState.RESOLVED, CaseState.CLOSED)


def case_reopen(*, case: Case, acting_user, reason: str) -> Case:
    """The enterprise rejects the solution (不认可); after two rounds only a supervisor can reopen."""
    by_enterprise = is_filing_enterprise(case, acting_user) and not supervises(case, acting_user)
    refuse = None
    if by_enterprise and not enterprise_may_reopen(case):
        refuse = _(
            "This solution was already rejected twice. Please contact the supervision office, "
            "which decides on the case from here."
        )
    ensure_may(case, acting_user=acting_user, action=EventAction.REOPEN, refuse=refuse)
    if case.parent_id and Case.objects.filter(pk=case.parent_id, state__in=SETTLED_STATES).exists():
        raise Conflict(
            _("The case this sub-case belongs to is already resolved. File a follow-up case to raise it again."),
            code="parent_resolved",
        )
    reason = required_text(reason, "reason", _("Say why the solution is not accepted."), limit=limits.REASON)
    with transaction.atomic():
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.REOPEN,
            note=reason,
            refuse=refuse,
            clock_change=lambda clocks: clocks.on_reopened(),
            by_enterprise=by_enterprise,
        )
        notify(case, "case_reopened", [case.assignee], f"v{case.version}", reason=reason)
    return case


def announce_closed(case: Case, *, rating: int | None, closure: str, acting_user) -> None:
    """Tell the apps above the workflow (``workflow.signals``), still inside the closing transaction."""
    case_closed.send(sender=Case, case=case, rating=rating, closure=closure, acting_user=acting_user, at=case.closed_at)


def case_close(*, case: Case, acting_user, satisfaction: int | None = None, comment: str = "") -> Case:
    """Cross the case off (销号): the enterprise confirms with a rating, or a supervisor closes it."""
    ensure_may(case, acting_user=acting_user, action=EventAction.CLOSE)
    as_enterprise = is_filing_enterprise(case, acting_user)
    if as_enterprise and satisfaction not in Satisfaction.values:
        message = _("Rate the service from 1 (very dissatisfied) to 5 (very satisfied).")
        raise InvalidInput(message, code="satisfaction", fields={"satisfaction": [message]})
    comment = limits.checked_text(comment, field="comment", limit=limits.NOTE)
    closure = Closure.CONFIRMED if as_enterprise else Closure.BY_SUPERVISOR
    rating = satisfaction if as_enterprise else None
    with transaction.atomic():
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.CLOSE,
            note=comment,
            data={"closure": closure, "satisfaction": rating},
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.MET if as_enterprise else ClockOutcome.CLOSED),
            closure=closure,
            satisfaction=rating,
            comment=comment if as_enterprise else "",
        )
        label = Satisfaction(rating).label if rating else ""
        notify(case, "case_closed", [case.assignee], f"v{case.version}", rating=label)
        announce_closed(case, rating=rating, closure=closure, acting_user=acting_user)
    return case


def case_withdraw(*, case: Case, acting_user, reason: str) -> Case:
    """The enterprise withdraws a problem that no longer needs solving (撤回)."""
    ensure_may(case, acting_user=acting_user, action=EventAction.WITHDRAW)
    reason = required_text(reason, "reason", _("Say why the case is withdrawn."), limit=limits.REASON)
    with transaction.atomic():
        assignee = case.assignee
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.WITHDRAW,
            note=reason,
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.WITHDRAWN),
        )
        notify(case, "case_withdrawn", [assignee], f"v{case.version}", reason=reason)
        announce_closed(case, rating=None, closure=Closure.WITHDRAWN, acting_user=acting_user)
    return case


def case_reopen_after_recheck(*, case: Case, acting_user, finding: str, method: str) -> Case:
    """A re-check (复查) found a closed case not really solved: it is worked again as a new cycle.

    The same assignee and unit get a new resolution clock (the policy's days after a reopen); the
    event is public, so the enterprise sees in its timeline why its case is open again; the assignee
    and the unit's heads are told. Supervision's re-check service calls this inside its own
    transaction, so the re-check result and the reopening commit together.
    """
    ensure_may(case, acting_user=acting_user, action=EventAction.RECHECK_REOPEN)
    finding = required_text(finding, "note", _("Say what the re-check found."), limit=limits.NOTE)
    with transaction.atomic():
        case = run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.RECHECK_REOPEN,
            note=finding,
            data={"method": method},
            clock_change=lambda clocks: clocks.on_reopened(started_by=EventAction.RECHECK_REOPEN),
        )
        heads = overseers_of(Role.UNIT_HEAD, unit_id=case.responsible_unit_id, township_id=None)
        notify(case, "case_recheck_failed", [case.assignee, *heads], f"v{case.version}", finding=finding)
    return case


def refuse_closed(case: Case) -> None:
    if case.state == CaseState.CLOSED:
        raise Conflict(_("This case is closed. File a follow-up case to raise the matter again."), code="case_closed")


def allowed_visibility(*, case: Case, acting_user, visibility: str) -> str:
    if visibility not in Visibility.values:
        message = _("Choose a public reply or an internal note.")
        raise InvalidInput(message, code="visibility", fields={"visibility": [message]})
    if visibility == Visibility.INTERNAL and not roles_for_user(acting_user).is_official:
        message = _("Only officials can write internal notes.")
        raise NotPermitted(message, code="internal_not_allowed")
    return visibility


def comment_add(*, case: Case, acting_user, body: str, visibility: str = Visibility.PUBLIC) -> Comment:
    """A public reply reaches the other side at once; an internal note stays among officials."""
    body = required_text(body, "body", _("The comment is empty."), limit=limits.COMMENT)
    visibility = allowed_visibility(case=case, acting_user=acting_user, visibility=visibility)
    refuse_closed(case)
    with transaction.atomic():
        now = clock.now()
        comment = Comment.objects.create(
            case=case, author=acting_user, visibility=visibility, body=body, created_at=now
        )
        internal = visibility == Visibility.INTERNAL
        record_event(
            case,
            actor=acting_user,
            action=EventAction.COMMENT,
            data={"comment": comment.pk},
            is_internal=internal,
            at=now,
        )
        if not internal:
            from_enterprise = is_filing_enterprise(case, acting_user)
            if not from_enterprise:
                clocks = CaseClocks(case, calendar=work_calendar(), at=now)
                clocks.on_public_reply()
                clocks.mirror()
            recipients = [case.assignee] if from_enterprise else enterprise_contacts(case)
            author = acting_user.get_full_name() or acting_user.get_username()
            notify(case, "case_replied", recipients, f"comment{comment.pk}", author=author, body=body)
    return comment


def attachment_add(*, case: Case, acting_user, upload, visibility: str = Visibility.PUBLIC) -> Attachment:
    """Store a document or image through Django's storage after checking its size and type."""
    visibility = allowed_visibility(case=case, acting_user=acting_user, visibility=visibility)
    refuse_closed(case)
    content_type = content_type_for_upload(upload)
    with transaction.atomic():
        now = clock.now()
        attachment = Attachment.objects.create(
            case=case,
            uploaded_by=acting_user,
            visibility=visibility,
            file=upload,
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            created_at=now,
        )
        record_event(
            case,
            actor=acting_user,
            action=EventAction.ATTACH,
            data={"attachment": attachment.pk, "name": attachment.original_name},
            is_internal=visibility == Visibility.INTERNAL,
            at=now,
        )
    return attachment


def extension_deciders(case: Case, policy) -> list:
    """Supervisors whose jurisdiction covers the case, and the unit's heads where the policy lets them decide."""
    township_id = case.enterprise.township_id
    deciders = overseers_of(Role.SUPERVISOR, unit_id=case.responsible_unit_id, township_id=township_id)
    if policy.unit_head_decides_extensions:
        deciders += overseers_of(Role.UNIT_HEAD, unit_id=case.responsible_unit_id, township_id=None)
    return deciders


def may_decide_extension(case: Case, user, policy) -> bool:
    if supervises(case, user):
        return True
    return policy.unit_head_decides_extensions and roles_for_user(user).heads_unit_or_above(case.responsible_unit_id)


def bump_version(case: Case) -> None:
    """A change beside the state (a pending extension, a new deadline) still makes older copies stale."""
    case.version += 1
    Case.objects.filter(pk=case.pk).update(version=case.version)


# The furthest an extension may reach from today: beyond it a deadline means nothing to anyone.
EXTENSION_MAX_SPAN = timedelta(days=366)


def extension_request_create(*, case: Case, acting_user, requested_due_date: date, reason: str) -> ExtensionRequest:
    """The assignee asks for a later resolution deadline (延期), at most ``max_extensions`` times."""
    if case.state != CaseState.ASSIGNED:
        raise Conflict(_("Only a case being worked on can get more time."), code="invalid_state")
    if case.assignee_id != acting_user.pk:
        raise NotPermitted(_("Only the assignee can ask for more time."), code="not_assignee")
    reason = required_text(reason, "reason", _("Say why more time is needed."), limit=limits.REASON)
    with transaction.atomic():
        current = locked_copy(case)
        now = clock.now()
        calendar = work_calendar()
        policy = policy_for(current)
        approved = current.extension_requests.filter(state=ExtensionState.APPROVED).count()
        if approved >= policy.max_extensions:
            message = _("This case already had %(count)d extensions, the most allowed.") % {"count": approved}
            raise Conflict(message, code="extension_limit")
        if current.extension_requests.filter(state=ExtensionState.PENDING).exists():
            raise Conflict(_("A request for more time is already waiting for a decision."), code="extension_pending")
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
        record_event(
            current,
            actor=acting_user,
            action=EventAction.EXTENSION_REQUEST,
            note=reason,
            data={"extension": extension.pk, "requested_due_at": due_at.isoformat()},
            is_internal=True,
            at=now,
        )
        notify(
            current,
            "extension_requested",
            extension_deciders(current, policy),
            f"extension{extension.pk}",
            extension=extension,
        )
    return extension


def extension_decide(*, extension: ExtensionRequest, acting_user, approve: bool, note: str = "") -> ExtensionRequest:
    """A supervisor (or the unit head, where the policy allows) approves or rejects; approval moves the deadline."""
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    if not approve:
        note = required_text(note, "note", _("Say why the request is rejected."), limit=limits.NOTE)
    with transaction.atomic():
        current = Case.objects.select_for_update().select_related("enterprise").get(pk=extension.case_id)
        extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
        policy = policy_for(current)
        if not may_decide_extension(current, acting_user, policy):
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
        extension.state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
        extension.decided_by, extension.decided_at, extension.decision_note = acting_user, now, note
        extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        if approve:
            clocks = CaseClocks(current, calendar=work_calendar(), at=now)
            due = fixed_due(clocks.calendar, extension.requested_due_at)
            clocks.on_extended(due=due, workdays=max(1, clocks.calendar.workdays_between(now, due.due_at)))
            clocks.mirror()
        bump_version(current)
        record_event(
            current,
            actor=acting_user,
            action=EventAction.EXTENSION_DECISION,
            note=note,
            data={
                "extension": extension.pk,
                "approved": approve,
                "resolution_due_at": current.resolution_due_at.isoformat() if approve else None,
            },
            is_internal=True,
            at=now,
        )
        notify(
            current,
            "extension_decided",
            [extension.requested_by],
            f"extension{extension.pk}",
            extension=extension,
            approved=approve,
        )
    return extension


def urging_audience(case: Case, level: int) -> list:
    """Each level reaches further up: the assignee, then the unit's heads, then the enterprise's 包联 leader."""
    recipients = [case.assignee] if level >= UrgingLevel.URGED and case.assignee else []
    if level < UrgingLevel.SUPERVISED:
        return recipients
    recipients += unit_heads([case.responsible_unit_id]).get(case.responsible_unit_id, [])
    if level >= UrgingLevel.LISTED:
        recipients += enterprise_leaders([case.enterprise_id]).values()
    return recipients


def urging_level_set(
    current: Case, *, acting_user, level: int, note: str, answer_due_at: datetime | None, now: datetime, data=None
) -> None:
    """Move a locked case to ``level``, record it and tell those it concerns. Call inside ``transaction.atomic``.

    Raising notifies the new level's audience. Lowering or clearing tells the assignee and everyone the
    previous level had reached that the pressure is off. Whatever the direction, the running resolution
    clock is marked as urged, so the sweep never overrides a supervisor's decision on that clock.
    """
    previous = current.urging_level
    Case.objects.filter(pk=current.pk).update(urging_level=level, urging_answer_due_at=answer_due_at, updated_at=now)
    current.urging_level, current.urging_answer_due_at = level, answer_due_at
    bump_version(current)
    DeadlineCycle.objects.filter(
        case=current, kind=ClockKind.RESOLUTION, ended_at__isnull=True, urged_at__isnull=True
    ).update(urged_at=now)
    record_event(
        current,
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
    notify(
        current,
        "case_urged" if raised else "case_urging_lowered",
        urging_audience(current, level if raised else previous),
        f"v{current.version}",
        level=UrgingLevel(level).label,
        previous_level=UrgingLevel(previous).label,
        cleared=level == UrgingLevel.NONE,
        note=note,
        answer_due_at=answer_due_at,
    )


def case_urge(*, case: Case, acting_user, level: int, note: str, answer_due_at: datetime | None = None) -> Case:
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
    note = required_text(note, "note", _("Say why the urging level changes."), limit=limits.NOTE)
    with transaction.atomic():
        current = locked_copy(case)
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
        urging_level_set(current, acting_user=acting_user, level=level, note=note, answer_due_at=answer_due_at, now=now)
    return current


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
        current = Case.objects.select_for_update().select_related("enterprise").get(pk=cycle.case_id)
        if current.state != CaseState.ASSIGNED or current.urging_level != UrgingLevel.NONE:
            return False
        overdue_workdays = calendar.workdays_between(cycle.due_at, now)
        answer_due_at = calendar.add_workdays(now, settings.HUIYIN["AUTO_URGE_ANSWER_WORKDAYS"]).due_at
        # The note is part of the record, so it is written once, in the site's language, not per reader.
        with translation.override(settings.LANGUAGE_CODE):
            note = _(
                "Overdue by %(days)d working days on its resolution deadline: urged automatically (催办). "
                "Report progress by %(due)s."
            ) % {"days": overdue_workdays, "due": answer_due_at.astimezone(calendar.tz).strftime("%Y-%m-%d %H:%M")}
        urging_level_set(
            current,
            acting_user=None,
            level=UrgingLevel.URGED,
            note=note,
            answer_due_at=answer_due_at,
            now=now,
            data={"automatic": True, "overdue_workdays": overdue_workdays},
        )
    return True


def case_close_unanswered(*, case_id: int, now: datetime | None = None) -> bool:
    """Close a resolved case whose enterprise neither confirmed nor rejected in time ("no answer").

    Returns whether it closed; a case that moved on meanwhile is left alone.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).select_related("enterprise").first()
        now = now or clock.now()
        if case is None or case.state != CaseState.RESOLVED or not case.confirmation_due_at:
            return False
        if case.confirmation_due_at > now:
            return False
        case = run_transition(
            case,
            acting_user=None,
            action=EventAction.CLOSE,
            data={"closure": Closure.NO_ANSWER, "satisfaction": None},
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.EXPIRED),
            closure=Closure.NO_ANSWER,
            satisfaction=None,
            comment="",
        )
        notify(case, "case_closed", [case.assignee, *enterprise_contacts(case)], f"v{case.version}", rating="")
        announce_closed(case, rating=None, closure=Closure.NO_ANSWER, acting_user=None)
    return True
