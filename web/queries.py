"""The lists of the work pages, each a narrowing of ``cases_visible_to`` in the order the work is done.

Orderings are the pages' concern; who may see what stays in ``cases.selectors``.
"""

from datetime import datetime

from django.db import models
from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from cases.models import Case, CaseEvent, CaseState, EventAction, resolution_overdue_q
from cases.selectors import cases_held_by, cases_visible_to
from cases.states import OPEN_STATES
from enterprises.access import roles_for_user
from enterprises.models import Enterprise

QUEUE_STATES = (CaseState.ASSIGNED, CaseState.RESOLVED)


def enterprise_cases(user) -> QuerySet[Case]:
    """The problems of the user's enterprises: what waits for their confirmation first, soonest due."""
    roles = roles_for_user(user)
    waiting = Q(state=CaseState.RESOLVED)
    return (
        cases_visible_to(user)
        .filter(enterprise_id__in=roles.contact_enterprise_ids)
        .annotate(waits_for_me=ExpressionWrapper(waiting, output_field=BooleanField()))
        .order_by(
            F("waits_for_me").desc(),
            models.Case(models.When(waiting, then=F("confirmation_due_at"))).asc(nulls_last=True),
            "-filed_at",
            "-id",
        )
    )


def queue_of(user, *, now: datetime, state: str = "", overdue_only: bool = False) -> QuerySet[Case]:
    """A cadre's assigned cases, and for a unit head the cases of the units they head: late ones first,
    then by resolution deadline."""
    states = [state] if state in QUEUE_STATES else list(QUEUE_STATES)
    cases = cases_held_by(user).filter(state__in=states)
    if overdue_only:
        cases = cases.filter(resolution_overdue_q(now))
    # Late ones come first by the deadline alone: a late case's deadline is before now, every other one's
    # after it, and a resolved case has none (it waits for the enterprise). So the queue's index serves it.
    return cases.annotate(late=ExpressionWrapper(resolution_overdue_q(now), output_field=BooleanField())).order_by(
        F("resolution_due_at").asc(nulls_last=True), "id"
    )


def dispatch_list(user) -> QuerySet[Case]:
    """Opened cases waiting for routing: returned ones first (with the reason they came back), then by
    routing deadline."""
    send_back_reason = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"), action=EventAction.SEND_BACK)
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    return (
        cases_visible_to(user)
        .filter(state=CaseState.OPENED)
        .select_related("enterprise__township")
        .annotate(send_back_reason=Subquery(send_back_reason))
        .order_by(F("sent_back_at").desc(nulls_last=True), F("response_due_at").asc(nulls_last=True), "filed_at", "id")
    )


def served_enterprises(user) -> QuerySet[Enterprise]:
    """The enterprises the user serves (包联) now."""
    return Enterprise.objects.filter(pk__in=roles_for_user(user).served_enterprise_ids).select_related("township")


def open_counts(user, enterprise_ids, *, now: datetime) -> dict[int, dict]:
    """Open and overdue cases per enterprise, counted among the cases the user sees, in one query."""
    rows = (
        cases_visible_to(user)
        .filter(enterprise_id__in=list(enterprise_ids), state__in=OPEN_STATES)
        .values("enterprise_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=resolution_overdue_q(now)))
        .order_by()
    )
    return {row["enterprise_id"]: row for row in rows}
