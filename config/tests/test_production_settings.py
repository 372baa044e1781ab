"""Production settings refuse to start without a secret key, and say what to set."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

# SECRET_KEY is each test's to give; DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' switch for
# Playwright's event loop, which check --deploy rightly refuses.
LEFT_OUT = {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_with_production_settings(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in LEFT_OUT}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )


def test_it_refuses_to_start_without_a_secret_key_and_says_what_to_set():
    result = run_with_production_settings("-c", "import config.settings.production")

    assert result.returncode != 0
    assert "KeyError" not in result.stderr
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set." in result.stderr
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_it_refuses_an_empty_secret_key():
    result = run_with_production_settings("-c", "import config.settings.production", SECRET_KEY="  ")

    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_it_starts_with_a_secret_key_and_passes_the_deployment_checks(tmp_path):
    result = run_with_production_settings(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="huiyin.example.org",
        # A database of its own: the checks also read the data (a year's holidays not yet entered warns in December),
        # and a developer's demo database, or the day the suite runs, must not decide this test.
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
