"""Writes for enterprises: the service assignment (包保) keeps its history."""

from django.db import transaction
from django.utils import timezone

from .models import ServiceAssignment, Unit


def service_assignment_change(
    *,
    enterprise,
    unit: Unit,
    cadre=None,
    leader=None,
    local_contact=None,
    changed_by=None,
    note: str = "",
) -> ServiceAssignment:
    """End the current 包保 period of the enterprise and start a new one; nothing is overwritten."""
    with transaction.atomic():
        now = timezone.now()
        ServiceAssignment.objects.select_for_update().filter(enterprise=enterprise, ended_at__isnull=True).update(
            ended_at=now
        )
        return ServiceAssignment.objects.create(
            enterprise=enterprise,
            unit=unit,
            cadre=cadre,
            leader=leader,
            local_contact=local_contact,
            changed_by=changed_by,
            note=note,
            started_at=now,
        )
