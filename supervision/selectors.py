"""Reads of supervision's records, each through one gate: rectifications and appeals only for officials who
see the case, circulars as published to every official and drafts to the supervisors of their jurisdiction.
The enterprise never sees any of them."""

from django.db.models import Q, QuerySet

from cases.selectors import cases_visible_officially_to
from core.errors import NotFound
from enterprises.access import UserRoles, roles_for_user

from .models import Appeal, Circular, CircularState, Rectification


def rectifications_visible_to(user) -> QuerySet[Rectification]:
    return Rectification.objects.filter(case__in=cases_visible_officially_to(user)).select_related(
        "case", "case__enterprise", "unit", "assignee", "submitted_by", "decided_by"
    )


def appeals_visible_to(user) -> QuerySet[Appeal]:
    return Appeal.objects.filter(case__in=cases_visible_officially_to(user)).select_related(
        "case", "case__enterprise", "unit", "filed_by", "decided_by"
    )


def row_for_user(rows: QuerySet, row_id):
    """The row if the user may see it; otherwise NotFound, never a hint that it exists."""
    try:
        return rows.get(pk=int(row_id))
    except (rows.model.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def manages_jurisdiction(roles: UserRoles, jurisdiction_id: int) -> bool:
    """Drafts belong to the supervisors whose jurisdiction covers the circular's whole jurisdiction."""
    return roles.is_superuser or (roles.is_supervisor and jurisdiction_id in roles.supervised_unit_ids)


def circulars_visible_to(user) -> QuerySet[Circular]:
    """Published circulars: every government official. Drafts: the supervisors of their jurisdiction.

    Enterprise users see none: a circular is internal government business.
    """
    roles = roles_for_user(user)
    circulars = Circular.objects.select_related("jurisdiction", "issuing_unit", "created_by", "published_by")
    if not roles.is_official:
        return circulars.none()
    if roles.is_superuser:
        return circulars
    visible = Q(state=CircularState.PUBLISHED)
    if roles.is_supervisor and roles.supervised_unit_ids:
        visible |= Q(state=CircularState.DRAFT, jurisdiction_id__in=roles.supervised_unit_ids)
    return circulars.filter(visible)


def circular_for_user(user, circular_id) -> Circular:
    """The circular if the user may see it; otherwise NotFound, never a hint that a draft exists."""
    try:
        return circulars_visible_to(user).get(pk=int(circular_id))
    except (Circular.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
