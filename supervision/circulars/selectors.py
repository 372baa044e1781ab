"""Reads of circulars through one gate: published ones for every official, drafts for the supervisors of their
jurisdiction. The enterprise never sees any of them."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from core.errors import NotFound
from enterprises.access import roles_for_user

from .models import Circular, CircularState


def circulars_visible_to(user: User) -> QuerySet[Circular]:
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


def circulars_listed(user: User) -> QuerySet[Circular]:
    """``circulars_visible_to`` for a list: without the snapshots, which only one circular's page reads."""
    return circulars_visible_to(user).defer("content")


def circular_for_user(user: User, circular_id: int | str) -> Circular:
    """The circular if the user may see it; otherwise NotFound, never a hint that a draft exists."""
    try:
        return circulars_visible_to(user).get(pk=int(circular_id))
    except (Circular.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
