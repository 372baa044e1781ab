"""API tokens expire after their lifetime (12 hours by default) and die with a logout or a password change."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.authentication import ExpiringTokenAuthentication
from conftest import PASSWORD
from workflow.workdays import SHANGHAI

TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
MONDAY_MORNING = datetime(2026, 12, 7, 8, 30, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


def log_in(username: str = "alice", password: str = PASSWORD, **headers) -> dict:
    answer = APIClient().post(TOKEN, {"username": username, "password": password}, format="json", **headers)
    assert answer.status_code == 200, answer.content
    return answer.json()


def me(token: str, language: str = "en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/")


def test_it_answers_the_token_with_the_moment_it_expires(district, clock):
    answer = log_in()

    assert set(answer) == {"token", "expires_at"}
    assert answer["expires_at"] == "2026-12-07T20:30:00+08:00"


def test_it_accepts_the_token_until_it_expires(district, clock):
    token = log_in()["token"]

    clock.shift(timedelta(hours=11, minutes=59, seconds=59))

    assert me(token).json()["username"] == "alice"


def test_it_refuses_an_expired_token_with_a_clear_message(district, clock):
    token = log_in()["token"]
    clock.shift(timedelta(hours=12))

    answer = me(token)

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"
    assert answer.json() == {
        "code": "token_expired",
        "message": "This API token expired at 2026-12-07 20:30 (Beijing time). "
        "Log in again with POST /api/v1/auth/token/ to get a new one.",
    }
    assert me(token, language="zh-hans").json()["message"] == (
        "该 API 令牌已于 2026-12-07 20:30（北京时间）过期。请通过 POST /api/v1/auth/token/ 重新登录以获取新令牌。"
    )


def test_it_refuses_an_unknown_token_and_the_token_of_a_deactivated_person(district, clock):
    token = log_in()["token"]
    get_user_model().objects.filter(username="alice").update(is_active=False)

    unknown, inactive = me("0" * 40), me(token)

    assert (unknown.status_code, unknown.json()["message"]) == (401, "Invalid token.")
    assert (inactive.status_code, inactive.json()["message"]) == (401, "User inactive or deleted.")
    assert me("0" * 40, language="zh-hans").json()["message"] == "认证令牌无效。"


def test_the_token_gives_its_person_as_the_database_holds_them(district, clock):
    """The user and the token are read by a statement compiled once, not through the ORM's querysets: every
    column as the ORM reads it (moments aware on SQLite too), and nothing left to load."""
    key = log_in()["token"]
    get_user_model().objects.filter(username="alice").update(last_login=MONDAY_MORNING - timedelta(days=1))
    alice = get_user_model().objects.get(username="alice")

    with CaptureQueriesContext(connection) as queries:
        user, token = ExpiringTokenAuthentication().authenticate_credentials(key)
        user.get_full_name(), user.email, user.last_login, token.user  # noqa: B018 (read: no query may follow)

    assert len(queries) == 1
    assert {f.attname: getattr(user, f.attname) for f in alice._meta.concrete_fields} == {
        f.attname: getattr(alice, f.attname) for f in alice._meta.concrete_fields
    }
    assert user.last_login == MONDAY_MORNING - timedelta(days=1)
    assert (token.pk, token.user, token.created) == (key, alice, Token.objects.get(key=key).created)
    assert token.created.utcoffset() is not None and not token._state.adding


def test_it_issues_a_new_token_once_the_old_one_has_expired(district, clock):
    old = log_in()["token"]
    clock.shift(timedelta(hours=13))

    new = log_in()

    assert new["token"] != old
    assert new["expires_at"] == "2026-12-08T09:30:00+08:00"
    assert me(new["token"]).status_code == 200
    assert me(old).status_code == 401


def test_it_gives_a_new_token_to_a_client_that_still_sends_its_expired_one(district, clock):
    old = log_in()["token"]
    clock.shift(timedelta(hours=13))

    answer = log_in(HTTP_AUTHORIZATION=f"Token {old}")

    assert answer["token"] != old


def test_it_applies_a_shorter_lifetime_to_the_tokens_already_out(district, clock, settings):
    token = log_in()["token"]
    clock.shift(timedelta(hours=2))

    settings.HUIYIN = {**settings.HUIYIN, "API_TOKEN_LIFETIME_HOURS": 1}

    assert me(token).json()["code"] == "token_expired"


def test_it_revokes_the_token_on_an_api_logout(district, clock):
    token = log_in()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    answer = client.post(LOGOUT)

    assert answer.status_code == 204
    assert me(token).status_code == 401
    assert me(token).json()["code"] == "authentication_failed"
    assert log_in()["token"] != token


def test_it_refuses_a_logout_without_a_login(db):
    assert APIClient().post(LOGOUT).status_code == 401


def test_it_ends_the_session_too_on_an_api_logout_from_the_browsable_api(district, clock):
    token = log_in()["token"]
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(district.alice)

    assert client.post(LOGOUT).status_code == 204

    assert me(token).status_code == 401
    assert client.get("/api/v1/me/").status_code == 401


def test_it_revokes_the_token_when_the_person_logs_out_of_the_pages(district, clock):
    token = log_in()["token"]
    browser = Client()
    browser.force_login(district.alice)

    browser.post("/logout/")

    assert me(token).status_code == 401


def test_it_revokes_the_token_when_the_password_changes(district, clock):
    token = log_in()["token"]
    other = log_in("bob")["token"]

    district.alice.set_password("a-new-secret-456")
    district.alice.save()

    assert me(token).status_code == 401
    assert me(other).status_code == 200
    assert log_in("alice", "a-new-secret-456")["token"] != token


def test_it_revokes_the_token_when_an_administrator_sets_a_new_password(district, clock):
    token = log_in()["token"]
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    admin = Client()
    admin.force_login(root)

    answer = admin.post(
        f"/admin/auth/user/{district.alice.pk}/password/",
        {"password1": "a-new-secret-456", "password2": "a-new-secret-456", "usable_password": "true"},
    )

    assert answer.status_code == 302
    assert me(token).status_code == 401


def test_it_keeps_the_token_when_the_user_is_saved_without_a_new_password(district, clock):
    token = log_in()["token"]
    alice = get_user_model().objects.get(username="alice")

    alice.first_name = "王丽丽"
    alice.save()
    Client().post("/login/", {"username": "alice", "password": PASSWORD})  # saves last_login alone

    assert me(token).status_code == 200
    assert Token.objects.filter(user=alice).count() == 1
