"""A demo case's history as service calls at their moments (``Call``), and the calls made through the services
themselves: the reference ``RowWriter`` is held to, and its way out for a call it has no twin for."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import time_machine
from django.contrib.auth.models import User

from cases.models import Case
from workflow import clock
from workflow.models import ClockKind, DeadlineCycle, ExtensionRequest, ExtensionState
from workflow.selectors import work_calendar
from workflow.services import case_close_unanswered, case_urge_overdue, extension_decide


@dataclass(frozen=True)
class Call:
    """One service call of a case's history at its moment; the case itself is passed when the call is made."""

    at: datetime
    service: Callable[..., object]
    arguments: dict[str, object] = field(default_factory=dict)


# What the sweep and the deciders do, as calls of the same shape as the others.


def sweep_closes_unanswered(*, case: Case) -> None:
    """The sweep closes a resolved case whose enterprise let its confirmation deadline pass ("no answer")."""
    case_close_unanswered(case_id=case.pk)


def sweep_urges_overdue(*, case: Case) -> None:
    """The sweep urges (催办) a case its running resolution clock has been late on for days."""
    cycle = DeadlineCycle.objects.get(case=case, kind=ClockKind.RESOLUTION, ended_at__isnull=True)
    case_urge_overdue(cycle=cycle, calendar=work_calendar(), now=clock.now())


def extension_decide_pending(*, case: Case, acting_user: User, approve: bool, note: str = "") -> None:
    """A decider answers the case's request for more time."""
    extension = ExtensionRequest.objects.get(case=case, state=ExtensionState.PENDING)
    extension_decide(extension=extension, acting_user=acting_user, approve=approve, note=note)


def call_service(call: Call, case: Case | None) -> Case:
    """Make the call through the service itself at its moment; returns the case as it now stands."""
    with time_machine.travel(call.at, tick=False):
        result = call.service(**call.arguments) if case is None else call.service(case=case, **call.arguments)
    if isinstance(result, Case):
        return result
    return Case.objects.select_related("enterprise", "category").get(pk=case.pk)


def case_history_call(calls: Sequence[Call]) -> Case:
    """A whole history through the services, the reference the writer is held to."""
    case = None
    for call in calls:
        case = call_service(call, case)
    return case
