"""Every model with states moves through django-fsm transitions, and django-fsm-log writes one audit row per
transition (``StateLog``: when, from, to, by whom, a description). Rules in docs/architecture.md.

A service runs a transition through ``logged_transition``, which tells django-fsm-log who acts (``None``: the
system) and why. The log row is written when the transition runs, in the service's transaction, so a refused
save or a rollback leaves no row behind. ``refuse_unlogged_transition`` makes every other way of running a
transition fail loudly, so that no row ever names the system for what a person did.
"""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import QuerySet
from django_fsm_log.helpers import FSMLogDescriptor
from django_fsm_log.models import StateLog

Result = TypeVar("Result")


class UnloggedTransition(RuntimeError):
    """A transition ran without an acting user, or outside a transaction: its log row would lie or outlive it."""


def logged_transition(
    transition: Callable[..., Result], *, acting_user: User | None, description: str = "", **arguments
) -> Result:
    """Run the bound transition ``transition(**arguments)``, logged as done by ``acting_user`` with ``description``.

    Call it inside the transaction that saves the row, after the lock and the checks, as a service does.
    """
    instance = transition.__self__  # type: ignore[attr-defined]  # a bound method: Callable cannot say so
    with (
        FSMLogDescriptor(instance, "by", acting_user),
        FSMLogDescriptor(instance, "description", description or None),
    ):
        return transition(**arguments)


def is_logged(model: type[models.Model]) -> bool:
    """Whether django-fsm-log writes this model's transitions (Case and Invitation keep event logs of their own)."""
    return f"{model.__module__}.{model.__qualname__}" not in settings.DJANGO_FSM_LOG_IGNORED_MODELS


def refuse_unlogged_transition(sender: type[models.Model], instance: models.Model, name: str, **kwargs) -> None:
    """django-fsm's ``pre_transition``: a logged model's transition needs ``logged_transition`` and an open
    transaction."""
    if not is_logged(sender):
        return
    try:
        FSMLogDescriptor(instance, "by").get()
    except AttributeError:
        raise UnloggedTransition(
            f"{sender.__name__}.{name} ran without an acting user: run it with core.fsm.logged_transition."
        ) from None
    if not transaction.get_connection().in_atomic_block:
        raise UnloggedTransition(f"{sender.__name__}.{name} ran outside a transaction: its log row would outlive it.")


def state_log_of(instance: models.Model) -> QuerySet[StateLog]:
    """The transitions of one row, oldest first, with who made them."""
    return StateLog.objects.for_(instance).select_related("by", "content_type").order_by("timestamp", "id")
