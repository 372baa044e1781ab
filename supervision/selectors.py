"""Reads of rectifications and appeals: only officials who see the case see them, never the enterprise."""

from django.db.models import QuerySet

from cases.models import Case
from cases.selectors import official_cases_q
from config.errors import NotFound
from enterprises.access import roles_for_user

from .models import Appeal, Rectification


def cases_seen_officially(user) -> QuerySet[Case]:
    """The part of the one visibility gate (``cases.selectors``) that shows a case to officials."""
    official = official_cases_q(roles_for_user(user))
    return Case.objects.all() if official is None else Case.objects.filter(official)


def rectifications_visible_to(user) -> QuerySet[Rectification]:
    return Rectification.objects.filter(case__in=cases_seen_officially(user)).select_related(
        "case", "case__enterprise", "unit", "assignee", "submitted_by", "decided_by"
    )


def appeals_visible_to(user) -> QuerySet[Appeal]:
    return Appeal.objects.filter(case__in=cases_seen_officially(user)).select_related(
        "case", "case__enterprise", "unit", "filed_by", "decided_by"
    )


def row_for_user(rows: QuerySet, row_id):
    """The row if the user may see it; otherwise NotFound, never a hint that it exists."""
    try:
        return rows.get(pk=int(row_id))
    except (rows.model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
