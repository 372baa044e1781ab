"""Extension requests and pauses beyond the limits as a decider's desk shows them: what waits for this user, and
what was decided lately.

Who may decide is ``workflow.permissions.may_decide_extension`` and ``may_decide_pause``, the rules the
services enforce; the policies the first reads are loaded once for the whole list.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet

from workflow.deadlines import PolicyBook
from workflow.models import ClockPause, ExtensionRequest, ExtensionState, PauseState
from workflow.permissions import may_decide_extension, may_decide_pause
from workflow.selectors import extensions_visible_to, pauses_visible_to

# What "recently decided" covers: a month of decisions is what a desk looks back on.
RECENT_DECISIONS = timedelta(days=30)
CASE_COLUMNS = ("case__enterprise", "case__category", "case__responsible_unit", "case__assignee")


def extensions_to_decide(user: User) -> list[ExtensionRequest]:
    """Pending requests of cases the user sees that the user may decide, longest waiting first.

    A case has at most one pending request, so the list is bounded by the open
    cases the user oversees; it is filtered in Python with the service's own rule.
    """
    pending = (
        extensions_visible_to(user)
        .filter(state=ExtensionState.PENDING)
        .select_related(*CASE_COLUMNS)
        .order_by("created_at", "id")
    )
    policies = PolicyBook()
    return [request for request in pending if may_decide_extension(request.case, user, policies.for_case(request.case))]


def extensions_decided_recently(user: User, *, now: datetime) -> QuerySet[ExtensionRequest]:
    """Approved or rejected requests of cases the user sees, decided in the last month, newest first."""
    return (
        extensions_visible_to(user)
        .filter(state__in=[ExtensionState.APPROVED, ExtensionState.REJECTED], decided_at__gte=now - RECENT_DECISIONS)
        .select_related(*CASE_COLUMNS)
        .order_by("-decided_at", "-id")
    )


def pauses_to_decide(user: User) -> list[ClockPause]:
    """Pauses beyond the limits waiting for a supervisor whose jurisdiction covers the case, longest waiting
    first. A case has at most one such request, so the list is bounded by the open cases the user oversees."""
    requested = (
        pauses_visible_to(user)
        .filter(state=PauseState.REQUESTED)
        .select_related("case__category", "case__responsible_unit")
        .order_by("requested_at", "id")
    )
    return [pause for pause in requested if may_decide_pause(pause, user)]


def pauses_decided_recently(user: User, *, now: datetime) -> QuerySet[ClockPause]:
    """Pauses beyond the limits approved or rejected in the last month, newest first."""
    return (
        pauses_visible_to(user)
        .filter(needs_approval=True, decided_by__isnull=False, decided_at__gte=now - RECENT_DECISIONS)
        .order_by("-decided_at", "-id")
    )
