"""Every model with states moves on django-fsm, and each transition leaves an audit row (docs/architecture.md)."""

import pytest
from django.apps import apps
from django.db import transaction
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin

from core.fsm import UnloggedTransition, is_logged, logged_transition
from supervision.ratings.models import Appeal


def our_models() -> list[type]:
    """The project's models, not those of installed packages (django-fsm-log's log has a ``state`` column)."""
    return [
        model
        for config in apps.get_app_configs()
        if "site-packages" not in config.path
        for model in config.get_models()
    ]


def state_machines() -> list[tuple[type, FSMFieldMixin]]:
    return [
        (model, field)
        for model in our_models()
        for field in model._meta.get_fields()
        if isinstance(field, FSMFieldMixin)
    ]


def test_it_keeps_every_field_named_state_a_protected_state_machine():
    loose = [
        f"{model._meta.label}.{field.name}"
        for model in our_models()
        for field in model._meta.get_fields()
        if field.name == "state" and not (isinstance(field, FSMFieldMixin) and field.protected)
    ]

    assert loose == []


def test_it_guards_every_state_machine_against_a_stale_copy_and_states_each_rule():
    machines = state_machines()
    unguarded = [model._meta.label for model, _field in machines if not issubclass(model, ConcurrentTransitionMixin)]
    unexplained = [
        f"{model._meta.label}.{transition.name}"
        for model, field in machines
        for transition in field.get_all_transitions(model)
        if not (transition.method.__doc__ or "").strip()
    ]

    assert len(machines) >= 10
    assert (unguarded, unexplained) == ([], [])


def test_it_logs_every_state_machine_but_the_two_with_event_logs_of_their_own():
    unlogged = sorted(model._meta.label for model, _field in state_machines() if not is_logged(model))

    assert unlogged == ["accounts.Invitation", "cases.Case"]


def test_it_refuses_a_transition_that_does_not_say_who_made_it():
    appeal = Appeal(state="pending")

    with pytest.raises(UnloggedTransition, match="Appeal.reject ran without an acting user"):
        appeal.reject(by=None, note="", at=None)
    assert appeal.state == "pending"


def test_it_refuses_a_transition_outside_a_transaction_whose_log_row_would_outlive_it():
    appeal = Appeal(state="pending")

    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(UnloggedTransition, match="outside a transaction"):
        logged_transition(appeal.reject, acting_user=None, by=None, note="", at=None)
    assert appeal.state == "pending"
