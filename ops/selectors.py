from collections.abc import Iterable, Iterator
from datetime import datetime

from django.apps import apps
from django.db import models

from .models import Heartbeat


def heartbeats_at(names: Iterable[str]) -> dict[str, datetime]:
    """When each of the named jobs last ran, in one query; a job that never ran is absent."""
    return dict(Heartbeat.objects.filter(name__in=list(names)).values_list("name", "beat_at"))


def stored_files() -> Iterator[tuple[models.FileField, int, str]]:
    """Every file a row of any model names: (field, primary key, stored name), whatever app the model is in."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue  # their rows are another model's
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                names = model._default_manager.exclude(**{field.name: ""}).values_list("pk", field.name)
                for pk, name in names.order_by("pk").iterator():
                    yield field, pk, name


def stored_files_missing() -> tuple[int, list[str]]:
    """How many files rows name, and a line for each one its storage does not have."""
    count, missing = 0, []
    for field, pk, name in stored_files():
        count += 1
        if not field.storage.exists(name):
            missing.append(f"{field.model._meta.label} {pk} {field.name}: {name}")
    return count, missing
