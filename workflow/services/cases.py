"""Filing a case and moving it through its states, one service per action.

Each runs in one transaction: it re-reads the case with a row lock, refuses a
stale copy (409), checks the user's permission on the server, runs the
django-fsm transition, writes exactly one event row and creates the
notifications. Either all of that commits or none of it does.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Case,
    CaseNumberSequence,
    CaseState,
    Category,
    Closure,
    Complexity,
    EventAction,
    ResolutionType,
    Satisfaction,
    format_case_number,
)
from cases.permissions import enterprise_may_reopen, is_filing_enterprise, supervises
from cases.selectors import cases_visible_to
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from enterprises.access import overseers_of, roles_for_user
from enterprises.models import Enterprise, KeyProject, Role, Unit
from enterprises.selectors import heads_serving_unit

from .. import clock
from ..deadlines import CaseClocks, fixed_due, units_in_one_line
from ..models import ClockOutcome
from ..routing import route_for
from ..selectors import work_calendar
from .shared import (
    _announce_closed,
    _assignable_member,
    _case_notify,
    _ensure_may,
    _enterprise_contacts,
    _run_transition,
    case_event_record,
    case_lock,
)
from .sub_cases import _parent_notify_when_sub_cases_done, _refuse_open_sub_cases


def _filing_data(*, follows_up: Case | None, project: KeyProject | None) -> dict | None:
    data = {"follows_up": follows_up.number} if follows_up else {}
    if project is not None:
        data["project"] = project.name
    return data or None


def case_file(
    *,
    acting_user: User,
    enterprise: Enterprise,
    category: Category,
    title: str,
    description: str,
    complexity: str = Complexity.ORDINARY,
    follows_up: Case | None = None,
    project: KeyProject | None = None,
) -> Case:
    """File a problem for an enterprise, against one of its key projects if it blocks one; route it to the
    enterprise's 包联 cadre when the category says so.

    The enterprise's contacts file for it; so, on its behalf, does whoever serves it now in the three-level
    包保 (its leader, its cadre, its local contact, or a head of its responsible unit), e.g. from a visit."""
    roles = roles_for_user(acting_user)
    serves = enterprise.pk in roles.served_enterprise_ids or heads_serving_unit(acting_user, enterprise.pk)
    if not (roles.is_contact_of(enterprise.pk) or serves):
        raise NotPermitted(
            _("You can file problems only for your own enterprise or for enterprises you serve."),
            code="not_your_enterprise",
        )
    if not enterprise.is_active:
        message = _("This enterprise is no longer active.")
        raise InvalidInput(message, code="enterprise_inactive", fields={"enterprise": [message]})
    if not category.is_active:
        raise InvalidInput(_("This category is no longer in use."), code="category_inactive")
    title = limits.required_text(title, "title", _("Give the problem a short title."), limit=limits.TITLE)
    description = limits.required_text(description, "description", _("Describe the problem."), limit=limits.DESCRIPTION)
    if follows_up is not None:
        if not cases_visible_to(acting_user).filter(pk=follows_up.pk).exists():
            raise InvalidInput(_("The case to follow up does not exist."), code="follow_up_unknown")
        if follows_up.enterprise_id != enterprise.pk or follows_up.state != CaseState.CLOSED:
            message = _("A follow-up links to a closed case of the same enterprise.")
            raise InvalidInput(message, code="follow_up_invalid", fields={"follows_up": [message]})
    if project is not None and (project.enterprise_id != enterprise.pk or not project.is_active):
        message = _("A problem can be filed only against an active key project of its own enterprise.")
        raise InvalidInput(message, code="project_invalid", fields={"project": [message]})

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
            project=project,
            filed_at=now,
        )
        case_event_record(
            case=case,
            actor=acting_user,
            action=EventAction.FILE,
            data=_filing_data(follows_up=follows_up, project=project),
            at=now,
        )
        calendar = work_calendar()
        clocks = CaseClocks(case, calendar=calendar, at=now)
        clocks.on_filed()
        clocks.mirror()
        route = route_for(enterprise=enterprise, category=category)
        if route.automatic:
            case = _run_transition(
                case,
                acting_user=None,
                action=EventAction.ASSIGN,
                data={"automatic": True, "assignee": route.cadre.get_username(), "unit": route.cadre_unit.name},  # type: ignore[union-attr]  # an automatic route has both
                clock_change=lambda clocks: clocks.on_assigned(
                    action="assign",
                    assignee=route.cadre,  # type: ignore[arg-type]  # as above
                    unit=route.cadre_unit,  # type: ignore[arg-type]  # as above
                ),
                calendar=calendar,
                assignee=route.cadre,
                unit=route.cadre_unit,
            )
            _case_notify(case, "case_assigned", [route.cadre], f"v{case.version}")
    return case


def case_assign(
    *,
    case: Case,
    acting_user: User,
    assignee: User,
    unit: Unit,
    response_due_at: datetime | None = None,
    resolution_due_at: datetime | None = None,
    note: str = "",
) -> Case:
    """The dispatcher routes an opened (or returned) case to a cadre of a unit."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.ASSIGN)
    _assignable_member(assignee=assignee, unit=unit)
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
        case = _run_transition(
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
        _case_notify(case, "case_assigned", [assignee], f"v{case.version}")
    return case


def case_accept(*, case: Case, acting_user: User) -> Case:
    """The assignee signs for the case (签收)."""
    with transaction.atomic():
        return _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.ACCEPT,
            clock_change=lambda clocks: clocks.on_accepted(),
        )


def case_send_back(*, case: Case, acting_user: User, reason: str) -> Case:
    """The assignee returns the case to the dispatcher (退单), with a reason."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.SEND_BACK)
    reason = limits.required_text(reason, "reason", _("Say why the case is sent back."), limit=limits.REASON)
    with transaction.atomic():
        unit = case.responsible_unit
        case = _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.SEND_BACK,
            note=reason,
            data={"unit": unit.name if unit else ""},
            is_internal=True,
            clock_change=lambda clocks: clocks.on_sent_back(),
        )
        dispatchers = User.objects.filter(unit_memberships__role=Role.DISPATCHER, is_active=True).distinct()
        _case_notify(case, "case_sent_back", dispatchers, f"v{case.version}", reason=reason)
    return case


def case_reassign(*, case: Case, acting_user: User, assignee: User, unit: Unit | None = None, note: str = "") -> Case:
    """Hand the case to another cadre. A unit head may do so only within the units they head."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.REASSIGN)
    unit = unit or case.responsible_unit
    roles = roles_for_user(acting_user)
    if not (roles.is_dispatcher or supervises(case, acting_user)) and not roles.heads_unit_or_above(unit.pk):  # type: ignore[union-attr]  # reassigned: has a unit
        message = _("A unit head can reassign only within the units they head.")
        raise NotPermitted(message, code="outside_unit")
    _assignable_member(assignee=assignee, unit=unit)
    note = limits.checked_text(note, field="note", limit=limits.NOTE)
    with transaction.atomic():
        previous = case.assignee
        case = _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.REASSIGN,
            note=note,
            data={
                "from": previous.get_username() if previous else "",
                "assignee": assignee.get_username(),
                "unit": unit.name,  # type: ignore[union-attr]  # as above
            },
            is_internal=True,
            clock_change=lambda clocks: clocks.on_assigned(action="reassign", assignee=assignee, unit=unit),  # type: ignore[arg-type]  # as above
            assignee=assignee,
            unit=unit,
            # A paused case still waits for the same material within one line of units; another unit starts its
            # own clock (docs/deadlines.md).
            keeps_pause=case.paused_until is not None and units_in_one_line(case.responsible_unit_id, unit.pk),  # type: ignore[union-attr]  # a case is reassigned to a unit
        )
        _case_notify(case, "case_assigned", [assignee], f"v{case.version}")
    return case


def case_resolve(*, case: Case, acting_user: User, resolution_type: str, reply: str) -> Case:
    """Answer the enterprise with how the problem was handled; a parent waits for its sub-cases."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.RESOLVE)
    if resolution_type not in ResolutionType.values:
        message = _("Choose how the problem was resolved.")
        raise InvalidInput(message, code="resolution_type", fields={"resolution_type": [message]})
    reply = limits.required_text(reply, "reply", _("Write the reply the enterprise will read."), limit=limits.REPLY)
    with transaction.atomic():
        return _resolve(case, acting_user=acting_user, resolution_type=resolution_type, reply=reply)


def case_resolve_by_common_answer(
    *, case: Case, acting_user: User, resolution_type: str, reply: str, common_problem: dict
) -> Case:
    """A common problem's answer (共性问题) resolves one of its cases, in the caller's transaction.

    Whether the user may give that answer is the common problem's rule (the unit that owns the policy), which
    supervision checked; the case's own resolve transition runs here with its event (naming the common
    problem), its clocks and the enterprise's notification, so each enterprise confirms and rates its own.
    """
    return _resolve(
        case,
        acting_user=acting_user,
        resolution_type=resolution_type,
        reply=reply,
        data={"common_problem": common_problem},
        vouched=True,
    )


def _resolve(
    case: Case, *, acting_user: User, resolution_type: str, reply: str, data: dict | None = None, vouched: bool = False
) -> Case:
    """The resolve transition with its event, clocks and the enterprise's notification, in the caller's transaction.

    Under the case's lock, taken here: a joint review decision adding sub-cases waits for it, and vice versa.
    """
    _refuse_open_sub_cases(case_lock(case_id=case.pk, version=case.version))
    case = _run_transition(
        case,
        acting_user=acting_user,
        action=EventAction.RESOLVE,
        note=reply,
        data={"resolution_type": resolution_type, **(data or {})},
        clock_change=lambda clocks: clocks.on_resolved(),
        vouched=vouched,
        resolution_type=resolution_type,
        reply=reply,
    )
    _case_notify(case, "case_resolved", _enterprise_contacts(case), f"v{case.version}")
    if case.parent_id is not None:
        _parent_notify_when_sub_cases_done(case)
    return case


# A parent in these states counted on its sub-cases being done; reopening one would undo that unseen.
_SETTLED_STATES = (CaseState.RESOLVED, CaseState.CLOSED)


def case_reopen(*, case: Case, acting_user: User, reason: str) -> Case:
    """The enterprise rejects the solution (不认可); after two rounds only a supervisor can reopen."""
    by_enterprise = is_filing_enterprise(case, acting_user) and not supervises(case, acting_user)
    refuse = None
    if by_enterprise and not enterprise_may_reopen(case):
        refuse = _(
            "This solution was already rejected twice. Please contact the supervision office, "
            "which decides on the case from here."
        )
    _ensure_may(case, acting_user=acting_user, action=EventAction.REOPEN, refuse=refuse)
    if case.parent_id and Case.objects.filter(pk=case.parent_id, state__in=_SETTLED_STATES).exists():
        raise Conflict(
            _("The case this sub-case belongs to is already resolved. File a follow-up case to raise it again."),
            code="parent_resolved",
        )
    reason = limits.required_text(reason, "reason", _("Say why the solution is not accepted."), limit=limits.REASON)
    with transaction.atomic():
        case = _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.REOPEN,
            note=reason,
            refuse=refuse,
            clock_change=lambda clocks: clocks.on_reopened(),
            by_enterprise=by_enterprise,
        )
        _case_notify(case, "case_reopened", [case.assignee], f"v{case.version}", reason=reason)
    return case


def case_close(*, case: Case, acting_user: User, satisfaction: int | None = None, comment: str = "") -> Case:
    """Cross the case off (销号): the enterprise confirms with a rating, or a supervisor closes it."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.CLOSE)
    as_enterprise = is_filing_enterprise(case, acting_user)
    if as_enterprise and satisfaction not in Satisfaction.values:
        message = _("Rate the service from 1 (very dissatisfied) to 5 (very satisfied).")
        raise InvalidInput(message, code="satisfaction", fields={"satisfaction": [message]})
    comment = limits.checked_text(comment, field="comment", limit=limits.NOTE)
    closure = Closure.CONFIRMED if as_enterprise else Closure.BY_SUPERVISOR
    rating = satisfaction if as_enterprise else None
    with transaction.atomic():
        case = _run_transition(
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
        _case_notify(case, "case_closed", [case.assignee], f"v{case.version}", rating=label)
        _announce_closed(case, rating=rating, closure=closure, acting_user=acting_user)
    return case


def case_withdraw(*, case: Case, acting_user: User, reason: str) -> Case:
    """The enterprise withdraws a problem that no longer needs solving (撤回)."""
    _ensure_may(case, acting_user=acting_user, action=EventAction.WITHDRAW)
    reason = limits.required_text(reason, "reason", _("Say why the case is withdrawn."), limit=limits.REASON)
    with transaction.atomic():
        assignee = case.assignee
        case = _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.WITHDRAW,
            note=reason,
            clock_change=lambda clocks: clocks.on_closed(ClockOutcome.WITHDRAWN),
        )
        _case_notify(case, "case_withdrawn", [assignee], f"v{case.version}", reason=reason)
        _announce_closed(case, rating=None, closure=Closure.WITHDRAWN, acting_user=acting_user)
    return case


def case_reopen_after_recheck(*, case: Case, acting_user: User, finding: str, method: str) -> Case:
    """A re-check (复查) found a closed case not really solved: it is worked again as a new cycle.

    The same assignee and unit get a new resolution clock (the policy's days after a reopen); the
    event is public, so the enterprise sees in its timeline why its case is open again; the assignee
    and the unit's heads are told. Supervision's re-check service calls this inside its own
    transaction, so the re-check result and the reopening commit together.
    """
    _ensure_may(case, acting_user=acting_user, action=EventAction.RECHECK_REOPEN)
    finding = limits.required_text(finding, "note", _("Say what the re-check found."), limit=limits.NOTE)
    with transaction.atomic():
        case = _run_transition(
            case,
            acting_user=acting_user,
            action=EventAction.RECHECK_REOPEN,
            note=finding,
            data={"method": method},
            clock_change=lambda clocks: clocks.on_reopened(started_by=EventAction.RECHECK_REOPEN),
        )
        heads = overseers_of(Role.UNIT_HEAD, unit_id=case.responsible_unit_id, township_id=None)
        _case_notify(case, "case_recheck_failed", [case.assignee, *heads], f"v{case.version}", finding=finding)
    return case
