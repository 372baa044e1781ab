"""Celery finds an app's tasks in its ``tasks`` module; supervision's live with their mechanisms, and are imported
here so that a worker registers them.

Each keeps the name it had when it was defined in this module,
``supervision.tasks.<name>``: the beat schedule (``CELERY_BEAT_SCHEDULE``) and
the messages a running system has already queued carry those names.
"""

from .common_problems.tasks import sweep_common_problems
from .ledger.tasks import ledger_export_write, ledger_exports_tidy_task
from .ratings.tasks import sweep_rectifications

__all__ = ["ledger_export_write", "ledger_exports_tidy_task", "sweep_common_problems", "sweep_rectifications"]
