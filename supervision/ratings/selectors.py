"""Reads of rectifications and appeals, each through one gate: only officials who see the case see them. The
enterprise never sees any of them."""

from typing import TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet

from cases.selectors import rows_of_cases_visible_officially_to
from core.errors import NotFound

from .models import Appeal, Rectification

Row = TypeVar("Row", bound=Model)


def rectifications_visible_to(user: User) -> QuerySet[Rectification]:
    rows = Rectification.objects.select_related(
        "case", "case__enterprise", "unit", "assignee", "submitted_by", "decided_by"
    )
    return rows_of_cases_visible_officially_to(user, rows, through="case__")


def appeals_visible_to(user: User) -> QuerySet[Appeal]:
    rows = Appeal.objects.select_related("case", "case__enterprise", "unit", "filed_by", "decided_by")
    return rows_of_cases_visible_officially_to(user, rows, through="case__")


def row_for_user(rows: QuerySet[Row], row_id: int | str) -> Row:
    """The row if the user may see it; otherwise NotFound, never a hint that it exists."""
    try:
        return rows.get(pk=int(row_id))
    except (rows.model.DoesNotExist, TypeError, ValueError):  # type: ignore[attr-defined]  # lost on the TypeVar
        raise NotFound() from None
