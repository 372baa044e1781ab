"""The lists of the work pages, each a narrowing of ``cases_visible_to`` in the order the work is done.

Orderings are the pages' concern; who may see what stays in ``cases.selectors``.
"""

from datetime import datetime
from functools import lru_cache
from typing import cast

from django.db import models
from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from accounts.selectors import with_contact_status
from cases.models import Case, CaseEvent, CaseState, EventAction, in_states, resolution_overdue_q
from cases.selectors import cases_held_by, cases_of_served_enterprises, cases_visible_to
from cases.states import OPEN_STATES
from core.pagination import OrderedUnion, total_of
from core.statements import STAND_IN_ID, STAND_IN_MOMENT, CompiledOnce
from enterprises.access import roles_for_user, stand_in_official
from enterprises.models import Enterprise
from supervision.visits.selectors import last_visit_q

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


# The columns a list's rows show (``only``): a case row and its four related rows read whole cost the queue a
# fifth of its page query, descriptions and password hashes included. A column a row starts to show must be
# added here, or each row reads it with a query of its own (the lists' pinned query counts catch that).
QUEUE_COLUMNS = (
    *("id", "number", "title", "state", "version", "urging_level", "accepted_at", "paused_until"),
    *("response_due_at", "resolution_due_at", "confirmation_due_at", "assignee_id", "responsible_unit_id"),
    *("enterprise__name", "category__name_zh", "category__name_en"),
    *("assignee__username", "assignee__first_name", "assignee__last_name"),
)
MY_CASES_RELATED = ("category", "assignee", "responsible_unit")
MY_CASES_COLUMNS = (
    *("id", "number", "title", "state", "closure", "filed_at", "paused_until"),
    *("resolution_due_at", "confirmation_due_at", "category__name_zh", "category__name_en"),
    *("assignee__username", "assignee__first_name", "assignee__last_name", "responsible_unit__name"),
)


def queue_of(user, *, now: datetime, state: str = "", overdue_only: bool = False) -> OrderedUnion:
    """A cadre's assigned cases, and for a unit head the cases of the units they head: late ones first,
    then by resolution deadline; each row carries the number of them all (``total``, for
    ``TotalInPagePaginator``)."""
    states = [state] if state in QUEUE_STATES else list(QUEUE_STATES)
    parts = [part.filter(in_states(states)) for part in cases_held_by(user)]
    if overdue_only:
        parts = [part.filter(resolution_overdue_q(now)) for part in parts]
    total = total_of(*parts)
    late = ExpressionWrapper(resolution_overdue_q(now), output_field=BooleanField())
    # Late ones come first by the deadline alone: a late case's deadline is before now, every other one's
    # after it, and a resolved case has none (it waits for the enterprise). So the queue's indexes serve it.
    return OrderedUnion(
        [part.only(*QUEUE_COLUMNS).annotate(late=late, total=total) for part in parts],
        [F("resolution_due_at").asc(nulls_last=True), "id"],
    )


def queue_first_page(user, *, now: datetime, state: str, overdue_only: bool, size: int) -> list[Case] | None:
    """The first ``size`` rows of ``queue_of``, read by a statement compiled once per shape (the state asked, late
    ones only or not) for every official who heads no unit, the person and the moment stand-ins; None for anyone
    else, whose queue is read as built (a unit head's parts are their units').

    Building and compiling the queue's statement took as long as running it, each time for the same SQL but the
    person and the moment."""
    roles = roles_for_user(user)
    if roles.user_id is None or not roles.is_official or roles.head_unit_ids:
        return None
    statement = _queue_first_page(state, overdue_only, size)
    return cast(list[Case], statement.instances(user_id=roles.user_id, now=now))


@lru_cache(maxsize=16)
def _queue_first_page(state: str, overdue_only: bool, size: int) -> CompiledOnce:
    def build(*, user_id: int, now: datetime) -> QuerySet[Case]:
        return queue_of(stand_in_official(user_id), now=now, state=state, overdue_only=overdue_only).first(size)

    return CompiledOnce(build, user_id=STAND_IN_ID, now=STAND_IN_MOMENT)


def dispatch_list(user) -> QuerySet[Case]:
    """Opened cases waiting for routing: returned ones first (with the reason they came back), then by
    routing deadline."""
    send_back_reason = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"), action=EventAction.SEND_BACK)
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    # Only the relations the rows and their routes read: an opened case has no assignee or unit yet, and the two
    # joins for them doubled the time PostgreSQL took to plan the page (2.0 ms, to run it in 0.4).
    return (
        cases_visible_to(user)
        .filter(state=CaseState.OPENED)
        .select_related(None)
        .select_related("enterprise__township", "category")
        .annotate(send_back_reason=Subquery(send_back_reason))
        .order_by(F("sent_back_at").desc(nulls_last=True), F("response_due_at").asc(nulls_last=True), "filed_at", "id")
    )


def served_enterprises(user) -> QuerySet[Enterprise]:
    """The enterprises the user serves (包联) now."""
    return Enterprise.objects.filter(pk__any_of=roles_for_user(user).served_enterprise_ids).select_related("township")


def served_by_name(user) -> list[tuple[int, bool]]:
    """Each enterprise the user serves, by name, with whether someone of theirs can log in: the light list the
    served page counts and cuts its page from, so that only the page's enterprises are read with their figures."""
    return list(with_contact_status(served_enterprises(user)).order_by("name").values_list("pk", "has_active_contact"))


def served_page(user, enterprise_ids: list[int], *, now: datetime) -> list[Enterprise]:
    """The enterprises of ``enterprise_ids`` (served by the user), in that order, each with its contact status,
    its last visit and its open and overdue cases (``open_count``, ``overdue_count``; None for none), in one
    query."""
    served = roles_for_user(user).served_enterprise_ids
    ids = [pk for pk in enterprise_ids if pk in served]
    open_cases = (
        cases_of_served_enterprises(user, ids)
        .filter(enterprise_id=OuterRef("pk"), state__in=OPEN_STATES)
        .order_by()
        .values("enterprise_id")
    )
    found = (
        with_contact_status(Enterprise.objects.filter(pk__in=ids).select_related("township"))
        .annotate(
            last_visit_at=last_visit_q(),
            open_count=Subquery(open_cases.annotate(count=Count("pk")).values("count")),
            overdue_count=Subquery(
                open_cases.filter(resolution_overdue_q(now)).annotate(count=Count("pk")).values("count")
            ),
        )
        .in_bulk()
    )
    return [found[pk] for pk in ids]
