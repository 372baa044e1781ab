"""The Celery application: broker from REDIS_URL, tasks discovered in the installed apps."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_process_init

from config.process import freeze_what_is_loaded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("huiyin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# Left by beat as it starts: until its first deadline sweep (two minutes later) /healthz/ counts the system as
# starting rather than stopped.
BEAT_STARTED_HEARTBEAT = "beat-started"


@beat_init.connect
def beat_started(**kwargs) -> None:
    """Beat uses no database otherwise, so a database it cannot reach must not keep it from scheduling."""
    from django.db import DatabaseError, connection

    from ops.services import heartbeat_record

    try:
        heartbeat_record(name=BEAT_STARTED_HEARTBEAT)
    except DatabaseError:
        logger.warning("Could not record that beat started; /healthz/ reports the sweep by its last run only")
    finally:
        connection.close()


@worker_process_init.connect
def worker_loaded(**kwargs) -> None:
    """A worker's sweeps and exports make objects by the hundred thousand: see ``freeze_what_is_loaded``."""
    freeze_what_is_loaded()
