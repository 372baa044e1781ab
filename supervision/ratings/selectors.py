"""Reads of rectifications and appeals, each through one gate: only officials who see the case see them. The
enterprise never sees any of them."""

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet

from cases.models import Case
from cases.selectors import rows_of_cases_visible_officially_in_parts, rows_of_cases_visible_officially_to
from core.errors import NotFound
from workflow.workdays import WorkCalendar

from .models import Appeal, Rectification
from .permissions import appeal_refusal

Row = TypeVar("Row", bound=Model)


def rectifications_visible_to(user: User) -> QuerySet[Rectification]:
    rows = Rectification.objects.select_related(
        "case", "case__enterprise", "unit", "assignee", "submitted_by", "decided_by"
    )
    return rows_of_cases_visible_officially_to(user, rows, through="case__")


def rectifications_visible_in_parts(user: User) -> list[QuerySet[Rectification]]:
    """``rectifications_visible_to`` in disjoint parts, without what a row shows: to count them
    (``rows_of_cases_visible_officially_in_parts``)."""
    return rows_of_cases_visible_officially_in_parts(user, Rectification.objects.all(), through="case__")


def appeals_visible_to(user: User) -> QuerySet[Appeal]:
    rows = Appeal.objects.select_related("case", "case__enterprise", "unit", "filed_by", "decided_by")
    return rows_of_cases_visible_officially_to(user, rows, through="case__")


def appealable_case_ids(cases: Iterable[Case], user: User, *, calendar: WorkCalendar, now: datetime) -> set[int]:
    """The cases of a page whose rating ``user`` may appeal now, by the appeal service's own rule. Whether a
    rating was appealed before is read in one query, and only for the cases the rest of the rule lets through:
    a supervisor answers for none, and their page needs no query for it."""
    open_to_user = [case for case in cases if appeal_refusal(case, user, calendar=calendar, now=now) is None]
    if not open_to_user:
        return set()
    appealed = set(
        Appeal.objects.filter(case_id__in=[case.pk for case in open_to_user])
        .order_by()
        .values_list("case_id", "rated_at")
    )
    return {case.pk for case in open_to_user if (case.pk, case.closed_at) not in appealed}


def row_for_user(rows: QuerySet[Row], row_id: int | str) -> Row:
    """The row if the user may see it; otherwise NotFound, never a hint that it exists."""
    try:
        return rows.get(pk=int(row_id))
    except (rows.model.DoesNotExist, TypeError, ValueError):  # type: ignore[attr-defined]  # lost on the TypeVar
        raise NotFound() from None
