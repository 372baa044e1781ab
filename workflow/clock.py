"""The one place the workflow asks for the time.

Normally it is ``timezone.now()``. ``frozen_at`` sets it for the code inside a
``with`` block, so that the demo seed can build histories that happened over
past weeks through the real services, deadlines included. Tests freeze time
with time_machine instead, which this follows.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_frozen: ContextVar[datetime | None] = ContextVar("workflow_clock", default=None)


def now() -> datetime:
    return _frozen.get() or timezone.now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        raise ValueError("The workflow clock needs an aware datetime.")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
