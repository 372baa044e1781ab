from datetime import datetime

from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str, at: datetime | None = None) -> None:
    """Note that the job ``name`` ran now (or ``at``). Two runs at once are harmless: the row is one per job."""
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": at or timezone.now()})
