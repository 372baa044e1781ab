"""Writes of common problems (共性问题): raise, give to another unit, link and unlink cases, answer, close.

Same shape as ``workflow.services``: keyword-only, one transaction, the row re-read under a lock, state and
permission checked on the server, the audit rows (django-fsm-log for the common problem, a case event on
every linked or unlinked case) and the notifications committed with the change, or nothing at all.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, CaseState, Category, EventAction, ResolutionType
from cases.selectors import cases_visible_officially_to
from core import limits
from core.errors import Conflict, InvalidInput, NotPermitted
from core.fsm import logged_transition
from enterprises.access import overseers_of
from enterprises.models import Role, Unit
from notifications.services import Message, notifications_create
from workflow import clock
from workflow.ladder import next_remind_at
from workflow.selectors import work_calendar
from workflow.services import case_resolve_by_common_answer
from workflow.services.shared import case_event_record, case_lock, case_version_bump

from .models import CommonProblem, CommonProblemLink, CommonProblemState
from .permissions import ensure_may, ensure_may_raise, may_manage
from .reminders import STEPS

# A common problem answers cases still being worked on; the rest were answered on their own already.
LINKABLE_STATES = (CaseState.ASSIGNED,)


def _unit_people(unit_id: int) -> list[User]:
    """Who answers for the unit: its heads and those of the units above it."""
    return overseers_of(Role.UNIT_HEAD, unit_id=unit_id, township_id=None)


def _notify(problem: CommonProblem, kind: str, recipients: Iterable[User | None], occurrence: str) -> None:
    notifications_create(
        recipients=recipients,
        message=Message(
            kind=kind,
            key=f"common_problem:{problem.pk}:{kind}:{occurrence}",
            about=f"common_problem:{problem.pk}",
            link=reverse("api:common-problem-detail", kwargs={"pk": problem.pk}),
            context={"problem": problem},
        ),
    )


def _locked(problem: CommonProblem) -> CommonProblem:
    return CommonProblem.objects.select_for_update().get(pk=problem.pk)


def _linkable(cases: Iterable[Case], *, acting_user: User, problem: CommonProblem | None = None) -> list[Case]:
    """The cases, each seen officially by the user, being worked on, and in no common problem yet."""
    ids = sorted({case.pk for case in cases})
    if not ids:
        message = _("Choose the cases the common problem answers.")
        raise InvalidInput(message, code="no_cases", fields={"cases": [message]})
    found = list(
        cases_visible_officially_to(acting_user)
        .filter(pk__in=ids)
        .select_related("enterprise", "common_problem_link")
        .order_by("pk")
    )
    if len(found) != len(ids):
        message = _("One of the cases does not exist.")
        raise InvalidInput(message, code="case_unknown", fields={"cases": [message]})
    for case in found:
        if case.state not in LINKABLE_STATES:
            message = _("Case %(number)s is not being worked on by a unit: route it first, or leave it out.") % {
                "number": case.number
            }
            raise Conflict(message, code="case_not_assigned")
        link = getattr(case, "common_problem_link", None)
        if link is not None and (problem is None or link.problem_id != problem.pk):
            message = _("Case %(number)s already belongs to a common problem.") % {"number": case.number}
            raise Conflict(message, code="case_linked")
    return found


def _link(problem: CommonProblem, cases: list[Case], *, acting_user: User, at: datetime) -> None:
    CommonProblemLink.objects.bulk_create(
        CommonProblemLink(problem=problem, case=case, linked_by=acting_user, linked_at=at) for case in cases
    )
    for case in cases:
        current = case_lock(case_id=case.pk)
        case_version_bump(case=current)
        # Public: the enterprise reads that its case is answered with others', not whose.
        case_event_record(
            case=current,
            actor=acting_user,
            action=EventAction.COMMON_PROBLEM,
            from_state=current.state,
            data={"common_problem": problem.pk, "title": problem.title},
            at=at,
        )


def common_problem_raise(
    *,
    acting_user: User,
    title: str,
    description: str,
    category: Category,
    unit: Unit,
    cases: Iterable[Case],
) -> CommonProblem:
    """A dispatcher or supervisor takes several enterprises' cases up as one problem of the unit that owns the
    policy, due in ``COMMON_PROBLEM_WORKDAYS`` working days; the unit's heads are told."""
    ensure_may_raise(acting_user)
    title = limits.required_text(title, "title", _("Give the common problem a short title."), limit=limits.TITLE)
    description = limits.required_text(
        description, "description", _("Describe the common problem."), limit=limits.DESCRIPTION
    )
    if not unit.is_active:
        message = _("This unit is no longer active.")
        raise InvalidInput(message, code="unit_inactive", fields={"unit": [message]})
    cases = list(cases)
    with transaction.atomic():
        linked = _linkable(cases, acting_user=acting_user)
        now = clock.now()
        calendar = work_calendar()
        due = calendar.add_workdays(now, settings.HUIYIN["COMMON_PROBLEM_WORKDAYS"])
        problem = CommonProblem(
            title=title,
            description=description,
            category=category,
            unit=unit,
            raised_by=acting_user,
            raised_at=now,
            due_at=due.due_at,
            provisional=due.provisional,
        )
        problem.remind_at = next_remind_at(STEPS, problem, calendar)
        problem.save(force_insert=True)
        _link(problem, linked, acting_user=acting_user, at=now)
        _notify(problem, "common_problem_assigned", _unit_people(unit.pk), f"unit{unit.pk}")
    return problem


def common_problem_assign(*, problem: CommonProblem, acting_user: User, unit: Unit) -> CommonProblem:
    """Another unit owns the policy; it answers by the same deadline and its heads are told."""
    ensure_may(problem, acting_user=acting_user, method="assign")
    if not unit.is_active:
        message = _("This unit is no longer active.")
        raise InvalidInput(message, code="unit_inactive", fields={"unit": [message]})
    with transaction.atomic():
        current = _locked(problem)
        ensure_may(current, acting_user=acting_user, method="assign")
        logged_transition(current.assign, acting_user=acting_user, description=str(unit), unit=unit)
        current.save()
        _notify(current, "common_problem_assigned", _unit_people(unit.pk), f"unit{unit.pk}")
    return current


def common_problem_link(*, problem: CommonProblem, acting_user: User, cases: Iterable[Case]) -> CommonProblem:
    """More enterprises raise the same problem: their cases join it while it is open."""
    _ensure_open_and_managed(problem, acting_user)
    cases = list(cases)
    with transaction.atomic():
        current = _locked(problem)
        _ensure_open_and_managed(current, acting_user)
        linked = _linkable(cases, acting_user=acting_user, problem=current)
        new = [case for case in linked if getattr(case, "common_problem_link", None) is None]
        _link(current, new, acting_user=acting_user, at=clock.now())
    return current


def common_problem_unlink(
    *, problem: CommonProblem, acting_user: User, case: Case | None, reason: str
) -> CommonProblem:
    """A case that is not the same problem after all leaves it, and is answered on its own again. ``None``: a
    case the caller could not find for the user."""
    _ensure_open_and_managed(problem, acting_user)
    if case is None:
        message = _("This case is not part of the common problem.")
        raise InvalidInput(message, code="case_not_linked", fields={"case": [message]})
    reason = limits.required_text(
        reason, "reason", _("Say why the case leaves the common problem."), limit=limits.REASON
    )
    with transaction.atomic():
        current = _locked(problem)
        _ensure_open_and_managed(current, acting_user)
        deleted, _rows = CommonProblemLink.objects.filter(problem=current, case_id=case.pk).delete()
        if not deleted:
            message = _("This case is not part of the common problem.")
            raise InvalidInput(message, code="case_not_linked", fields={"case": [message]})
        locked_case = case_lock(case_id=case.pk)
        case_version_bump(case=locked_case)
        case_event_record(
            case=locked_case,
            actor=acting_user,
            action=EventAction.COMMON_PROBLEM_UNLINK,
            from_state=locked_case.state,
            note=reason,
            data={"common_problem": current.pk, "title": current.title},
            at=clock.now(),
        )
    return current


def _ensure_open_and_managed(problem: CommonProblem, acting_user: User) -> None:
    if problem.state != CommonProblemState.OPEN:
        raise Conflict(_("The cases of an answered common problem no longer change."), code="invalid_state")
    if not may_manage(problem, acting_user):
        raise NotPermitted(_("Only dispatchers and the supervisors of the unit can change a common problem."))


def common_problem_answer(
    *, problem: CommonProblem, acting_user: User, resolution_type: str, answer: str
) -> CommonProblem:
    """The unit answers once: every linked case still being worked on is resolved with the answer through its
    own transition (its event, clocks and notification), so each enterprise confirms and rates its own."""
    ensure_may(problem, acting_user=acting_user, method="give_answer")
    if resolution_type not in ResolutionType.values:
        message = _("Choose how the problem was resolved.")
        raise InvalidInput(message, code="resolution_type", fields={"resolution_type": [message]})
    answer = limits.required_text(
        answer, "answer", _("Write the answer the enterprises will read."), limit=limits.REPLY
    )
    with transaction.atomic():
        current = _locked(problem)
        ensure_may(current, acting_user=acting_user, method="give_answer")
        now = clock.now()
        logged_transition(
            current.give_answer,
            acting_user=acting_user,
            description=answer,
            resolution_type=resolution_type,
            answer=answer,
            by=acting_user,
            at=now,
        )
        current.save()
        reference = {"id": current.pk, "title": current.title}
        waiting = Case.objects.filter(common_problem_link__problem=current, state=CaseState.ASSIGNED).order_by("pk")
        for case in waiting:
            case_resolve_by_common_answer(
                case=case,
                acting_user=acting_user,
                resolution_type=resolution_type,
                reply=answer,
                common_problem=reference,
            )
    return current


def common_problem_close(*, problem: CommonProblem, acting_user: User) -> CommonProblem:
    """Crossed off once answered; each linked case is still closed by its own enterprise's confirmation."""
    ensure_may(problem, acting_user=acting_user, method="close")
    with transaction.atomic():
        current = _locked(problem)
        ensure_may(current, acting_user=acting_user, method="close")
        logged_transition(current.close, acting_user=acting_user, at=clock.now())
        current.save()
    return current
