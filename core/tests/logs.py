"""What the audit log of transitions says about one row, in a form a test can compare at a glance."""

from django.db import models

from core.fsm import state_log_of


def logged(instance: models.Model) -> list[tuple[str, str | None, str, str | None, str]]:
    """The row's transitions, oldest first: (transition, from, to, username of the actor or None, description)."""
    return [
        (log.transition, log.source_state, log.state, log.by.username if log.by else None, log.description or "")
        for log in state_log_of(instance)
    ]
