"""Extension requests and pauses beyond the limits as a decider's desk shows them: what waits for this user, and
what was decided lately.

Who may decide is ``workflow.permissions.may_decide_extension`` and ``may_decide_pause``, the rules the
services enforce; the policies the first reads are loaded once for the whole list.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from core.pagination import total_of
from workflow.deadlines import PolicyBook
from workflow.models import ClockPause, ExtensionRequest, ExtensionState, PauseState
from workflow.permissions import may_decide_extension, may_decide_pause
from workflow.selectors import extensions_visible_in_parts, extensions_visible_to, pauses_visible_to

# What "recently decided" covers: a month of decisions is what a desk looks back on.
RECENT_DECISIONS = timedelta(days=30)
# What a waiting request's row shows, and what the rule of who decides reads: the case's policy (category and
# complexity), its unit and its enterprise's township.
PENDING_COLUMNS = (
    *("id", "reason", "current_due_at", "requested_due_at", "state", "created_at"),
    *("case__number", "case__title", "case__state", "case__category_id", "case__complexity"),
    *("case__responsible_unit__name", "case__enterprise__name", "case__enterprise__township_id"),
    *("requested_by__username", "requested_by__first_name", "requested_by__last_name"),
)


def extensions_to_decide(user: User) -> list[ExtensionRequest]:
    """Pending requests of cases the user sees that the user may decide, longest waiting first.

    A case has at most one pending request, so the list is bounded by the open
    cases the user oversees; it is filtered in Python with the service's own rule.
    """
    pending = (
        extensions_visible_to(user)
        .filter(state=ExtensionState.PENDING)
        .select_related(None)
        .select_related("case__enterprise", "case__responsible_unit", "requested_by")
        .only(*PENDING_COLUMNS)
        .order_by("created_at", "id")
    )
    policies = PolicyBook()
    return [request for request in pending if may_decide_extension(request.case, user, policies.for_case(request.case))]


# What a decided request's row shows: its case, the decision, who took it and when. Read whole, the case's
# description and the decider's password hash would leave the database for each row. Rows with a state machine
# read their state as they load (django-fsm's concurrency check): the case's is read with it, not per row.
DECIDED_COLUMNS = (
    *("id", "state", "requested_due_at", "decided_at", "decision_note"),
    *("case__number", "case__title", "case__state"),
    *("decided_by__username", "decided_by__first_name", "decided_by__last_name"),
)


def extensions_decided_recently(user: User, *, now: datetime) -> QuerySet[ExtensionRequest]:
    """Approved or rejected requests of cases the user sees, decided in the last month, newest first, each
    carrying the number of them all (``total``, for ``TotalInPagePaginator``).

    Read in the order of their index (workflow migration 0013) and stopped at the page, each case's gate answered
    from its own index: a unit head's month of decisions is no longer sorted whole before it is filtered. Counted
    in the gate's parts (``extensions_visible_in_parts``): the busiest unit's head's 1,702 of 13,339 decisions are
    found by merging their cases' ids with those of the unit, not by testing the case of every one."""
    decided = Q(state__in=[ExtensionState.APPROVED, ExtensionState.REJECTED], decided_at__gte=now - RECENT_DECISIONS)
    rows = extensions_visible_to(user).filter(decided).select_related(None).select_related("case", "decided_by")
    total = total_of(*(part.filter(decided) for part in extensions_visible_in_parts(user)))
    return rows.only(*DECIDED_COLUMNS).order_by("-decided_at", "-id").annotate(total=total)


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
