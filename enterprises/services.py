"""Writes for enterprises: the service assignment (包保) keeps its history."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from .models import Enterprise, ServiceAssignment, Unit
from .signals import service_assignments_changed

# Rows per statement when many periods change at once (a master-data import): well under SQLite's variable limit.
CHUNK = 1_000


@dataclass(frozen=True)
class ServiceChange:
    """The new 包保 period of one enterprise, by ids."""

    enterprise_id: int
    unit_id: int
    cadre_id: int | None = None
    leader_id: int | None = None
    local_contact_id: int | None = None


def service_assignment_change(
    *,
    enterprise: Enterprise,
    unit: Unit,
    cadre: User | None = None,
    leader: User | None = None,
    local_contact: User | None = None,
    changed_by: User | None = None,
    note: str = "",
) -> ServiceAssignment:
    """End the current 包保 period of the enterprise and start a new one; nothing is overwritten."""
    change = ServiceChange(
        enterprise_id=enterprise.pk,
        unit_id=unit.pk,
        cadre_id=cadre.pk if cadre else None,
        leader_id=leader.pk if leader else None,
        local_contact_id=local_contact.pk if local_contact else None,
    )
    return service_assignments_change(changes=[change], changed_by=changed_by, note=note)[0]


def service_assignments_change(
    *, changes: Sequence[ServiceChange], changed_by: User | None = None, note: str = ""
) -> list[ServiceAssignment]:
    """The same for many enterprises at once, in a statement per chunk rather than two per enterprise:
    every current period of these enterprises ends now, and the new ones start at that moment."""
    enterprise_ids = [change.enterprise_id for change in changes]
    with transaction.atomic():
        now = timezone.now()
        _current_periods_end(enterprise_ids, now=now)
        created = ServiceAssignment.objects.bulk_create(
            (
                ServiceAssignment(
                    enterprise_id=change.enterprise_id,
                    unit_id=change.unit_id,
                    cadre_id=change.cadre_id,
                    leader_id=change.leader_id,
                    local_contact_id=change.local_contact_id,
                    changed_by=changed_by,
                    note=note,
                    started_at=now,
                )
                for change in changes
            ),
            batch_size=CHUNK,
        )
        service_assignments_changed.send(sender=ServiceAssignment, enterprise_ids=enterprise_ids, at=now)
    return created


def service_assignments_end(*, enterprise_ids: Iterable[int], now: datetime | None = None) -> int:
    """End the current 包保 period of these enterprises without a successor; the rows stay as history."""
    now = now or timezone.now()
    ids = list(enterprise_ids)
    with transaction.atomic(savepoint=False):
        ended = _current_periods_end(ids, now=now)
        service_assignments_changed.send(sender=ServiceAssignment, enterprise_ids=ids, at=now)
    return ended


def _current_periods_end(ids: list[int], *, now: datetime) -> int:
    ended = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), CHUNK):
            ended += (
                ServiceAssignment.objects.select_for_update()
                .filter(enterprise_id__in=ids[start : start + CHUNK], ended_at__isnull=True)
                .update(ended_at=now)
            )
    return ended
