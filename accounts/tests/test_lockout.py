"""Password guessing is cut short on the token endpoint, /login/ and /admin/login/ (django-axes).

The policy under test is the default one: 10 wrong passwords for one username from one address lock
that pair for 15 minutes after the last one; a successful login clears the count.
"""

from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD
from workflow.workdays import SHANGHAI

TOKEN = "/api/v1/auth/token/"
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
LIMIT = 10


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


def token_login(username: str, password: str, *, language: str = "en", address: str = "198.51.100.7", **headers):
    return APIClient().post(
        TOKEN,
        {"username": username, "password": password},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
        REMOTE_ADDR=address,
        **headers,
    )


def guess(clock, times: int, username: str = "alice", **kwargs) -> list:
    """Wrong passwords two seconds apart, as a script would send them."""
    answers = []
    for n in range(times):
        answers.append(token_login(username, f"guess-{n}", **kwargs))
        clock.shift(timedelta(seconds=2))
    return answers


def page_login(client: Client, username: str, password: str, path: str = "/login/"):
    return client.post(path, {"username": username, "password": password})


def test_it_refuses_the_31st_wrong_password_without_checking_it(district, clock):
    answers = guess(clock, 30)

    with mock.patch.object(ModelBackend, "authenticate", autospec=True) as password_check:
        thirty_first = token_login("alice", "guess-30")

    assert [answer.status_code for answer in answers] == [400] * (LIMIT - 1) + [429] * (30 - LIMIT + 1)
    assert thirty_first.status_code == 429
    password_check.assert_not_called()


def test_it_refuses_the_right_password_while_locked_and_says_until_when(district, clock):
    guess(clock, LIMIT)  # the 10th at 09:00:18, so the lock ends at 09:15:18

    answer = token_login("alice", PASSWORD)

    assert answer.status_code == 429
    assert "token" not in answer.json()
    assert answer.json() == {
        "code": "locked_out",
        "message": "Too many failed logins for this account from your network: logging in is blocked until "
        "2026-12-07 09:15 (Beijing time). An administrator can unlock it sooner.",
    }
    assert answer["Retry-After"] == str(15 * 60 - 2)


def test_it_says_it_in_chinese_by_default(district, clock):
    guess(clock, LIMIT)

    answer = token_login("alice", PASSWORD, language="zh-hans")

    assert answer.status_code == 429
    assert answer.json()["message"] == (
        "该账号在您所在网络的登录失败次数过多，2026-12-07 09:15（北京时间）之前暂停登录。管理员可以提前解锁。"
    )


def test_it_lets_the_right_password_in_once_the_lock_has_expired(district, clock):
    guess(clock, LIMIT)
    clock.shift(timedelta(minutes=14, seconds=50))
    assert token_login("alice", PASSWORD).status_code == 429

    clock.shift(timedelta(seconds=10))

    assert token_login("alice", PASSWORD).status_code == 200


def test_it_ends_the_lock_at_the_named_time_even_while_the_guessing_goes_on(district, clock):
    guess(clock, LIMIT)
    clock.shift(timedelta(minutes=10))
    guess(clock, 5)  # refused unchecked, and not counted: the lock does not grow

    clock.shift(timedelta(minutes=5))

    assert token_login("alice", PASSWORD).status_code == 200


def test_it_forgets_the_failures_after_a_successful_login(district, clock):
    guess(clock, LIMIT - 1)
    assert token_login("alice", PASSWORD).status_code == 200

    answers = guess(clock, LIMIT - 1)

    assert {answer.status_code for answer in answers} == {400}
    assert token_login("alice", PASSWORD).status_code == 200


def test_it_locks_only_that_username_from_that_address(district, clock):
    guess(clock, LIMIT, address="198.51.100.7")

    assert token_login("alice", PASSWORD, address="203.0.113.9").status_code == 200, "alice from another network"
    assert token_login("bob", PASSWORD, address="198.51.100.7").status_code == 200, "someone else from that network"


def test_it_takes_the_address_the_trusted_proxy_saw_not_the_one_the_client_claims(district, clock, settings):
    settings.HUIYIN = {**settings.HUIYIN, "TRUSTED_PROXIES": 1}
    behind_nginx = {"address": "10.0.0.2"}
    for n in range(LIMIT):
        token_login("alice", f"guess-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7", **behind_nginx)

    spoofing = token_login("alice", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7", **behind_nginx)
    colleague = token_login("alice", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **behind_nginx)

    assert spoofing.status_code == 429
    assert colleague.status_code == 200
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"


def test_it_shows_the_lock_on_the_login_page_in_the_persons_language(district, clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="198.51.100.7")
    answers = [page_login(client, "alice", f"guess-{n}") for n in range(LIMIT)]

    locked = page_login(client, "alice", PASSWORD)

    assert [answer.status_code for answer in answers[:-1]] == [200] * (LIMIT - 1), "the form again, wrong password"
    assert answers[-1].status_code == 429
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    page = locked.content.decode()
    assert "暂时无法登录" in page
    assert "2026-12-07 09:15（北京时间）之前暂停登录" in page
    assert "_auth_user_id" not in client.session


def test_it_shows_the_lock_in_english(district, clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(LIMIT):
        page_login(client, "alice", f"guess-{n}")

    page = page_login(client, "alice", PASSWORD).content.decode()

    assert "Logging in is blocked for now" in page
    assert "logging in is blocked until 2026-12-07 09:15 (Beijing time)" in page


def test_it_locks_the_admin_login_too(district, clock):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for n in range(LIMIT):
        page_login(client, "root", f"guess-{n}", path="/admin/login/")

    locked = page_login(client, "root", PASSWORD, path="/admin/login/")

    assert locked.status_code == 429
    assert "logging in is blocked until" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_counts_page_and_token_failures_together(district, clock):
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(LIMIT // 2):
        page_login(client, "alice", f"guess-{n}")

    guess(clock, LIMIT // 2)

    assert token_login("alice", PASSWORD).status_code == 429


def test_it_lets_an_administrator_unlock_with_the_command(district, clock):
    guess(clock, LIMIT)

    call_command("axes_reset_username", "alice", stdout=mock.Mock())

    assert token_login("alice", PASSWORD).status_code == 200


def test_it_lets_an_administrator_unlock_in_the_admin(district, clock):
    guess(clock, LIMIT)
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(root)
    attempt = AccessAttempt.objects.get(username="alice")

    listed = admin.get("/admin/axes/accessattempt/")
    deleted = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert "alice" in listed.content.decode()
    assert deleted.status_code == 302
    assert token_login("alice", PASSWORD).status_code == 200
