"""The web and Celery workers park what they loaded out of the garbage collector's sight (config.process)."""

import subprocess
import sys

import pytest

# A loaded Huiyin holds some 160,000 tracked objects; far fewer frozen means the views were not loaded first.
LOADED_OBJECTS = 100_000


def frozen_after(code: str) -> list[str]:
    """What a fresh interpreter prints after ``code``: the frozen count and whether the views are loaded."""
    script = f"{code}\nimport gc, sys\nprint(gc.get_freeze_count(), 'web.views.work' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.base", "PATH": "/usr/bin:/bin"},
    )
    return done.stdout.split()


@pytest.mark.parametrize("entry", ["config.wsgi", "config.asgi"])
def test_a_web_worker_loads_its_views_and_freezes_them(entry):
    frozen, views_loaded = frozen_after(f"import {entry}")
    assert int(frozen) > LOADED_OBJECTS
    assert views_loaded == "True"


def test_a_celery_worker_freezes_what_it_loaded_when_its_process_starts():
    frozen, _views_loaded = frozen_after(
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "from celery.signals import worker_process_init\n"
        "worker_process_init.send(sender=None)"
    )
    assert int(frozen) > 0
