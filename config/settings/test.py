"""Test settings: the database still comes from DATABASE_URL so the suite runs on PostgreSQL too."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env_bool

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Eager in the test process; the worker processes of the Redis tests set it to false.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
# Rankings counted afresh on every read, so a test that changes the data sees it; the snapshots' own tests
# turn them on.
HUIYIN = {**HUIYIN, "RATES_SNAPSHOT_MINUTES": 0}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that the threads of the concurrency tests share one database;
    # one per process, so that two test runs on one machine do not meet.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
