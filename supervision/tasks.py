"""Celery finds an app's tasks in its ``tasks`` module; supervision's live with their mechanisms, and are imported
here so that a worker registers them.

Each older one keeps the name it had when it was defined in this module,
``supervision.tasks.<name>``: the beat schedule (``CELERY_BEAT_SCHEDULE``) and
the messages a running system has already queued carry those names. Newer ones are named after their mechanism.
"""

from .common_problems.tasks import sweep_common_problems
from .ledger.tasks import ledger_export_write, ledger_exports_tidy_task
from .projects.tasks import sweep_milestones
from .rates.tasks import rates_snapshots_take_task
from .ratings.tasks import sweep_rectifications
from .visits.tasks import reconcile_visit_duties, sweep_visit_duties

__all__ = [
    "ledger_export_write",
    "ledger_exports_tidy_task",
    "rates_snapshots_take_task",
    "reconcile_visit_duties",
    "sweep_common_problems",
    "sweep_milestones",
    "sweep_rectifications",
    "sweep_visit_duties",
]
