"""Browser tests: Debian's Chromium driven by Playwright against a live server, with screenshots kept.

Chromium is the system one (``make test-deps`` installs it with a Chinese font); Playwright
never downloads a browser. The flags keep Chromium off the network this machine does not have.
"""

import os
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

from cases.models import Category
from conftest import PASSWORD

seven_functional_groups = import_module("cases.migrations.0002_seven_functional_groups")
default_deadline_policies = import_module("workflow.migrations.0003_default_deadline_policies")

# The live server runs in a thread of this process while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", settings.BASE_DIR / "var" / "screenshots"))
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The live server reads committed data, so these tests use a transactional database; and they run
    last, because while Playwright runs, Django's serialized rollback cannot find its saved contents
    (below), which other transactional tests rely on."""
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(item.fspath).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.django_db(transaction=True))
    items[:] = [item for item in items if item not in browser_items] + browser_items


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """The categories and deadline policies that data migrations seed, and the content types, which each flush
    removes. The content types go with the serialized rollback of an earlier test, whose flush skips
    post_migrate; django-fsm-log's audit rows (a pause's transitions) point at them.

    Django's serialized rollback cannot restore them here: Playwright's greenlets give the test a
    different connection object from the one the contents were serialized on.
    """
    if not ContentType.objects.exists():
        for app_config in apps.get_app_configs():
            create_contenttypes(app_config, verbosity=0)  # clears the cache of content types too
    if not Category.objects.exists():
        seven_functional_groups.create_groups(apps, None)
        default_deadline_policies.create_defaults(apps, None)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make test-deps' (installs chromium and fonts-wqy-zenhei).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def is_csp_violation(message: ConsoleMessage) -> bool:
    """Chromium reports each thing the Content-Security-Policy refused as a console error."""
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def csp_violations() -> list[str]:
    """What the browser refused under the Content-Security-Policy; any left at the end fails the test,
    because a refused inline script or style is a feature that silently does not work."""
    violations: list[str] = []
    yield violations
    assert violations == [], "Content-Security-Policy violations"


@pytest.fixture
def browser_page(chromium, live_server, csp_violations):
    """A fresh browser profile in Beijing time and Chinese, as the district's users have it."""
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda message: csp_violations.append(message.text) if is_csp_violation(message) else None)
    yield page
    context.close()


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def screenshot(page: Page, name: str) -> Path:
    """Keep a full-page picture of what the user saw, for the run's report and the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOTS}")
