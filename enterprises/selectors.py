from django.db.models import Prefetch, QuerySet

from .access import roles_for_user
from .models import Enterprise, ServiceAssignment, Unit


def current_service_prefetch() -> Prefetch:
    current = ServiceAssignment.objects.filter(ended_at__isnull=True).select_related(
        "leader", "unit", "cadre", "local_contact"
    )
    return Prefetch("service_assignments", queryset=current, to_attr="current_services")


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    """Officials see every enterprise; an enterprise user only their own."""
    roles = roles_for_user(user)
    enterprises = Enterprise.objects.select_related("township").prefetch_related(current_service_prefetch())
    if roles.is_official:
        return enterprises
    return enterprises.filter(pk__in=roles.contact_enterprise_ids)


def units_visible_to(user) -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).select_related("parent")
