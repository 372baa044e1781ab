"""Template helpers of the case pages: the deadlines a case has now, and what a timeline entry says."""

from django import template
from django.utils.translation import gettext as _

from cases.models import CaseState, EventAction, ResolutionType, Satisfaction, UrgingLevel
from core.people import user_name

register = template.Library()


@register.simple_tag
def running_deadlines(case) -> list[tuple[str, object]]:
    """(label, due time) of the clocks that run in the case's state; the others are history."""
    if case.state == CaseState.OPENED:
        return [(_("Routing"), case.response_due_at), (_("Resolution"), case.resolution_due_at)]
    if case.state == CaseState.ASSIGNED:
        response = [] if case.accepted_at else [(_("Sign for"), case.response_due_at)]
        return [*response, (_("Resolution"), case.resolution_due_at)]
    if case.state == CaseState.RESOLVED:
        return [(_("Confirmation"), case.confirmation_due_at)]
    return []


def choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return ""


@register.filter
def event_outcome(event) -> str:
    """The part of an event a person needs beside its name: how it was resolved, rated, urged."""
    data = event.data or {}
    if event.action == EventAction.RESOLVE:
        return choice_label(ResolutionType, data.get("resolution_type"))
    if event.action == EventAction.CLOSE and data.get("satisfaction"):
        return choice_label(Satisfaction, data["satisfaction"])
    if event.action == EventAction.URGE:
        return choice_label(UrgingLevel, data.get("to"))
    if event.action == EventAction.EXTENSION_DECISION:
        return _("Approved") if data.get("approved") else _("Rejected")
    if event.action == EventAction.ATTACH:
        return data.get("name", "")
    return ""


@register.filter
def person(user) -> str:
    """A person as colleagues name them: the full name, else the username; empty for nobody."""
    if user is None:
        return ""
    return user_name(user)
