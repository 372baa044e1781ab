"""Who may act on rectifications and appeals, and why not: the API, the pages and the services ask these.

The ``(row, user) -> bool`` callables are django-fsm's permissions of the
transitions. They read the cached roles and fields already on the row; the row
must come with ``case__enterprise`` selected, so a page of rows costs no query
per row.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from cases.models import Case, CaseState, Satisfaction
from core.errors import ApplicationError, Conflict, NotPermitted
from enterprises.access import roles_for_user
from workflow.selectors import work_calendar
from workflow.workdays import WorkCalendar

# Ratings at or below this one open a rectification and may be appealed: 2 不满意, 1 非常不满意.
BAD_RATING = Satisfaction.DISSATISFIED


def _answers_for(*, unit_id: int | None, assignee_id: int | None, user: User) -> bool:
    """The responsible unit speaks through its head (or a head above it) and the cadre who had the case."""
    return roles_for_user(user).heads_unit_or_above(unit_id) or (assignee_id is not None and assignee_id == user.pk)


def _supervises_unit_of(row, user: User) -> bool:
    """A supervisor whose jurisdiction covers the responsible unit or the enterprise's township."""
    roles = roles_for_user(user)
    return roles.is_supervisor and roles.supervises(row.unit_id, row.case.enterprise.township_id)


def may_report_rectification(rectification, user: User) -> bool:
    return _answers_for(unit_id=rectification.unit_id, assignee_id=rectification.assignee_id, user=user)


def may_decide_rectification(rectification, user: User) -> bool:
    return _supervises_unit_of(rectification, user)


def may_decide_appeal(appeal, user: User) -> bool:
    return _supervises_unit_of(appeal, user)


_REFUSED_IN_STATE = {
    "submit": gettext_lazy("Only an open rectification can be submitted."),
    "accept": gettext_lazy("Only a submitted rectification can be accepted."),
    "send_back": gettext_lazy("Only a submitted rectification can be returned."),
    "uphold": gettext_lazy("This appeal was already decided."),
    "reject": gettext_lazy("This appeal was already decided."),
}
_REFUSED_TO_USER = {
    "submit": gettext_lazy("Only the head of the responsible unit or the case's assignee can report on it."),
    "accept": gettext_lazy("Only a supervisor whose jurisdiction covers the unit can accept a rectification."),
    "send_back": gettext_lazy("Only a supervisor whose jurisdiction covers the unit can return a rectification."),
    "uphold": gettext_lazy("Only a supervisor whose jurisdiction covers the unit can decide on the appeal."),
    "reject": gettext_lazy("Only a supervisor whose jurisdiction covers the unit can decide on the appeal."),
}
_CONFLICT_CODE = {"uphold": "appeal_decided", "reject": "appeal_decided"}


def ensure_may(row, *, acting_user: User, method: str) -> None:
    """May ``acting_user`` run the transition ``method`` of a rectification or an appeal: state first (409), then
    the user (403), before any input is looked at; again under the lock."""
    transition_method = getattr(row, method)
    if not can_proceed(transition_method):
        raise Conflict(_REFUSED_IN_STATE[method], code=_CONFLICT_CODE.get(method, "invalid_state"))
    if not has_transition_perm(transition_method, acting_user):
        raise NotPermitted(_REFUSED_TO_USER[method])


def appeal_window_ends_at(case: Case, calendar: WorkCalendar | None = None) -> datetime:
    """The end of the last working day on which the rating may be appealed."""
    calendar = calendar or work_calendar()
    return calendar.add_workdays(case.closed_at, settings.HUIYIN["APPEAL_WINDOW_WORKDAYS"]).due_at  # type: ignore[arg-type]  # rated: closed


def appeal_refusal(case: Case, user: User, *, calendar: WorkCalendar, now: datetime) -> ApplicationError | None:
    """Why ``user`` may not appeal the case's rating now, or None: the one rule for the service and the pages.

    Whether this rating was appealed before is read under the case's lock by the service, and from one
    query per page by the pages.
    """
    if not _answers_for(unit_id=case.responsible_unit_id, assignee_id=case.assignee_id, user=user):
        return NotPermitted(
            _("Only the head of the responsible unit or the case's assignee can appeal its rating."),
            code="not_responsible",
        )
    if case.state != CaseState.CLOSED or case.satisfaction is None:
        return Conflict(_("This case has no rating to appeal."), code="no_rating")
    if case.satisfaction > BAD_RATING:
        return Conflict(_("Only a rating of dissatisfied or very dissatisfied can be appealed."), code="rating_not_bad")
    if now > appeal_window_ends_at(case, calendar):
        message = _("A rating can be appealed within %(days)d working days; that time has passed.") % {
            "days": settings.HUIYIN["APPEAL_WINDOW_WORKDAYS"]
        }
        return Conflict(message, code="appeal_window_closed")
    return None
