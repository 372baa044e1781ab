"""A forgotten password is reset by e-mail, with Django's own token; the request says nothing about whether
an account uses the address, and is limited per address and per network against mail-bombing."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import PasswordResetRequest
from accounts.tasks import invitations_expire_task
from conftest import PASSWORD
from workflow.workdays import SHANGHAI

from .helpers import reset_path

MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
NEW_PASSWORD = "Reset-secret-2026"
RESET = "/api/v1/auth/password/reset/"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def with_email(district):
    get_user_model().objects.filter(username="alice").update(email="alice@yixin.example")
    get_user_model().objects.filter(username="bob").update(email="bob@hongda.example")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for a reset on the page, running what the request queues after commit as it ends."""

    def ask(email: str, browser: Client | None = None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return (browser or Client()).post("/password/reset/", {"email": email}, **headers)

    return ask


def test_it_resets_a_forgotten_password_by_e_mail(district, with_email, clock, ask):
    login_page = Client().get("/login/").content.decode()
    assert 'href="/password/reset/"' in login_page and "忘记密码？" in login_page
    token = Token.objects.create(user=district.alice)

    answer = ask("Alice@Yixin.example")

    assert answer.status_code == 302 and answer["Location"] == "/password/reset/sent/"
    [message] = mail.outbox
    assert message.to == ["alice@yixin.example"] and message.subject == "设置回音新密码"
    assert "alice" in message.body and "2026-12-08 09:00" in message.body
    browser = Client()
    form = browser.get(reset_path(message.body), follow=True)
    assert "设置新密码" in form.content.decode()
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "新密码已设置" in done.content.decode()
    assert Client().post("/login/", {"username": "alice", "password": NEW_PASSWORD}).status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists(), "the API token ended with the old password"


def test_it_lets_the_reset_link_work_once(district, with_email, clock, ask):
    ask("alice@yixin.example")
    path = reset_path(mail.outbox[0].body)
    browser = Client()
    url = browser.get(path, follow=True).redirect_chain[-1][0]
    browser.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(path, follow=True)

    assert "This link does not work" in again.content.decode()


def test_it_answers_the_same_for_an_address_no_account_uses(district, with_email, clock, ask):
    known = ask("alice@yixin.example")
    unknown = ask("nobody@example.com")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1


def test_it_sends_no_reset_to_an_account_without_a_password_or_deactivated(district, with_email, clock, ask):
    get_user_model().objects.create_user("imported", email="imported@yixin.example")
    get_user_model().objects.filter(username="bob").update(is_active=False)

    ask("imported@yixin.example")
    ask("bob@hongda.example")

    assert mail.outbox == []


def test_it_limits_the_requests_for_one_address_whether_or_not_an_account_uses_it(district, with_email, clock, ask):
    for email in ("alice@yixin.example", "nobody@example.com"):
        answers = [ask(email, REMOTE_ADDR=f"198.51.100.{n}") for n in range(4)]
        assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
        assert answers[-1]["Retry-After"] == "3600"
        assert "请于 2026-12-07 10:00（北京时间）之后再试" in answers[-1].content.decode()
    assert len(mail.outbox) == 3

    clock.shift(timedelta(hours=1))
    assert ask("alice@yixin.example").status_code == 302


def test_it_limits_the_requests_from_one_network(district, with_email, clock, ask, settings):
    settings.HUIYIN = {**settings.HUIYIN, "PASSWORD_RESET_PER_CLIENT": 5}
    answers = [ask(f"someone{n}@example.com", REMOTE_ADDR="203.0.113.9") for n in range(6)]

    assert [answer.status_code for answer in answers] == [302] * 5 + [429]
    assert ask("someone@example.com", REMOTE_ADDR="203.0.113.10").status_code == 302


def test_it_keeps_no_address_in_the_request_log_and_forgets_it_after_a_day(district, with_email, clock, ask):
    ask("alice@yixin.example")

    [logged] = PasswordResetRequest.objects.values_list("address_digest", flat=True)
    assert "alice" not in logged and len(logged) == 64
    clock.shift(timedelta(days=1, seconds=1))
    invitations_expire_task()
    assert not PasswordResetRequest.objects.exists()


def test_it_asks_for_a_reset_through_the_api_and_limits_it(
    district, with_email, clock, django_capture_on_commit_callbacks
):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(RESET, {"email": "alice@yixin.example"}, format="json") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [202, 202, 202, 429]
    assert answers[0].json() == {
        "detail": "If an account uses this address, a link to choose a new password is on its way."
    }
    assert answers[-1]["Retry-After"] == "3600"
    assert answers[-1].json() == {
        "code": "throttled",
        "message": "Too many requests for a new password for this address or from your network. "
        "Try again after 2026-12-07 10:00 (Beijing time).",
    }
    assert len(mail.outbox) == 3
    assert client.post(RESET, {"email": "not an address"}, format="json").status_code == 400


def test_it_shows_the_reset_pages_in_english_and_chinese(db):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/password/reset/").content.decode()
    chinese = Client().get("/password/reset/").content.decode()

    assert "Forgot your password?" in english and "Send me a link" in english
    assert "忘记密码？" in chinese and "发送链接" in chinese
    assert "请查收邮件" in Client().get("/password/reset/sent/").content.decode()


def test_it_keeps_the_login_working_after_a_reset_was_asked_for_and_not_used(district, with_email, clock, ask):
    ask("alice@yixin.example")

    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
