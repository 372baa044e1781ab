"""An administrator deactivates an account and everything it had open ends at once; a person changes their
password on a page or through the API, and their API token ends with the old password."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Invitation, InvitationState, UserSession
from accounts.services.invitations import invitation_create
from accounts.services.people import user_deactivate
from conftest import PASSWORD
from core.errors import Conflict, NotPermitted
from workflow.workdays import SHANGHAI

from .helpers import signed_in

MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
NEW_PASSWORD = "Another-secret-2026"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


def token_of(username: str, password: str = PASSWORD) -> str:
    answer = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()["token"]


def with_token(token: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def logged_in(username: str, password: str = PASSWORD) -> Client:
    browser = Client()
    assert browser.post("/login/", {"username": username, "password": password}).status_code == 302
    return browser


def test_it_keeps_the_user_of_each_session_in_a_column(district):
    browser = logged_in("alice")

    [session] = UserSession.objects.all()
    assert session.user_id == district.alice.pk
    assert session.session_key == browser.cookies["sessionid"].value


def test_a_session_signs_its_person_in_until_it_expires_and_an_unknown_one_never(district):
    with time_machine.travel(datetime(2026, 12, 7, 9, tzinfo=SHANGHAI), tick=False) as clock:
        browser = logged_in("alice")
        stranger = Client()
        stranger.cookies["sessionid"] = "x" * 32
        [session] = UserSession.objects.all()

        signed_in = browser.get("/password/")
        clock.move_to(session.expire_date - timedelta(seconds=1))
        last_moment = browser.get("/password/")
        clock.move_to(session.expire_date)
        expired = browser.get("/password/")

    assert (signed_in.status_code, last_moment.status_code) == (200, 200)
    assert signed_in.context["user"] == district.alice
    assert (expired.status_code, expired["Location"]) == (302, "/login/?next=/password/")
    assert stranger.get("/password/")["Location"] == "/login/?next=/password/"


def test_it_ends_an_open_session_and_a_token_at_once_when_an_administrator_deactivates(district, admin_user):
    browser = logged_in("alice")
    elsewhere = logged_in("alice")
    token = token_of("alice")
    bob = logged_in("bob")
    assert browser.get("/my/cases/").status_code == 200

    user_deactivate(user=district.alice, acting_user=admin_user)

    answer = browser.get("/my/cases/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    assert elsewhere.get("/my/cases/").status_code == 302
    assert with_token(token).get("/api/v1/me/").status_code == 401
    assert not UserSession.objects.filter(user_id=district.alice.pk).exists()
    assert not Token.objects.filter(user=district.alice).exists()
    assert bob.get("/my/cases/").status_code == 200
    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 200


def test_it_deactivates_from_the_admin_s_user_list(district, admin_user):
    browser = logged_in("carol")
    token = token_of("carol")
    admin = signed_in(admin_user)

    answer = admin.post(
        "/admin/auth/user/",
        {"action": "deactivate_selected", "_selected_action": [district.carol.pk, admin_user.pk]},
    )

    assert answer.status_code == 302
    district.carol.refresh_from_db()
    admin_user.refresh_from_db()
    assert not district.carol.is_active and admin_user.is_active, "an administrator cannot deactivate themselves"
    assert browser.get("/queue/").status_code == 302
    assert with_token(token).get("/api/v1/me/").status_code == 401


def test_it_ends_the_sessions_of_an_account_deactivated_in_the_admin_s_user_form(district, admin_user):
    browser = logged_in("carol")
    token = token_of("carol")
    carol = district.carol
    admin = signed_in(admin_user)
    form = admin.get(f"/admin/auth/user/{carol.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        username="carol",
        is_active="",
        date_joined_0="2026-12-01",
        date_joined_1="09:00:00",
        groups=[],
        user_permissions=[],
    )
    data.pop("last_login", None)

    answer = admin.post(f"/admin/auth/user/{carol.pk}/change/", data)

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert browser.get("/queue/").status_code == 302
    assert with_token(token).get("/api/v1/me/").status_code == 401


def test_it_revokes_the_pending_invitations_a_deactivated_account_sent_and_was_sent(district, admin_user):
    sent = invitation_create(acting_user=district.carol, enterprise=district.yixin, username="zhou", name="周敏")
    to_carol_s_colleague = invitation_create(
        acting_user=admin_user, unit=district.industry, role="cadre", username="qian", name="钱程"
    )

    user_deactivate(user=district.carol, acting_user=admin_user)
    user_deactivate(user=to_carol_s_colleague.invitation.user, acting_user=admin_user)

    reasons = dict(Invitation.objects.values_list("pk", "events__reason").filter(events__action="revoked"))
    assert reasons == {
        sent.invitation.pk: "inviter_deactivated",
        to_carol_s_colleague.invitation.pk: "account_deactivated",
    }
    assert not Invitation.objects.filter(state=InvitationState.PENDING).exists()


def test_it_lets_only_an_administrator_deactivate_and_not_themselves(district, admin_user):
    with pytest.raises(NotPermitted):
        user_deactivate(user=district.alice, acting_user=district.sam)
    with pytest.raises(Conflict):
        user_deactivate(user=admin_user, acting_user=admin_user)
    district.alice.refresh_from_db()
    assert district.alice.is_active


def test_it_changes_the_password_on_a_page_ending_other_sessions_and_the_token(district, clock):
    browser = logged_in("alice")
    elsewhere = logged_in("alice")
    token = token_of("alice")

    page = browser.get("/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    answer = browser.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert answer.status_code == 302
    assert browser.get("/my/cases/").status_code == 200, "this session stays"
    assert elsewhere.get("/my/cases/").status_code == 302
    assert with_token(token).get("/api/v1/me/").status_code == 401
    assert get_user_model().objects.get(username="alice").check_password(NEW_PASSWORD)
    assert UserSession.objects.filter(user_id=district.alice.pk).count() == 1, "its key was cycled, still indexed"
    assert UserSession.objects.get(user_id=district.alice.pk).session_key == browser.cookies["sessionid"].value


def test_it_counts_a_wrong_old_password_as_a_wrong_login(district, clock):
    browser = logged_in("alice")

    def change(old_password: str):
        fields = {"old_password": old_password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        return browser.post("/password/", fields, HTTP_ACCEPT_LANGUAGE="en")

    assert [change(f"guess-{n}").status_code for n in range(10)] == [200] * 9 + [429]
    right = change(PASSWORD)

    assert right.status_code == 429, "locked: not even the right password is checked"
    assert "logging in is blocked until 2026-12-07 09:15" in right.content.decode()
    assert get_user_model().objects.get(username="alice").check_password(PASSWORD)
    assert Client().post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 429


def test_it_counts_a_wrong_old_password_given_to_the_api_as_a_wrong_login(district, clock):
    client = with_token(token_of("alice"))

    answers = [
        client.post("/api/v1/auth/password/", {"old_password": f"guess-{n}", "new_password": NEW_PASSWORD})
        for n in range(10)
    ]

    assert [answer.status_code for answer in answers] == [400] * 9 + [429]
    assert answers[-1].json()["code"] == "locked_out" and answers[-1]["Retry-After"] == str(15 * 60)


def test_it_changes_the_password_through_the_api_and_answers_a_new_token(district, clock):
    old = token_of("alice")

    answer = with_token(old).post(
        "/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json()["token"] != old and answer.json()["expires_at"] == "2026-12-07T21:00:00+08:00"
    assert with_token(old).get("/api/v1/me/").status_code == 401
    assert with_token(answer.json()["token"]).get("/api/v1/me/").json()["username"] == "alice"
    assert token_of("alice", NEW_PASSWORD) == answer.json()["token"]


def test_it_refuses_a_wrong_old_password_or_a_weak_new_one_through_the_api(district, clock):
    client = with_token(token_of("alice"))

    wrong = client.post("/api/v1/auth/password/", {"old_password": "nope", "new_password": NEW_PASSWORD}, format="json")
    weak = client.post("/api/v1/auth/password/", {"old_password": PASSWORD, "new_password": "alice123"}, format="json")

    assert wrong.status_code == 400 and list(wrong.json()["fields"]) == ["old_password"]
    assert weak.status_code == 400
    assert weak.json()["fields"]["new_password"][0] == "The password is too similar to the username."
    assert get_user_model().objects.get(username="alice").check_password(PASSWORD)


def test_it_shows_the_password_page_in_english_too(district):
    page = signed_in(district.alice, "en").get("/password/").content.decode()

    assert "Change password" in page and "Your password can’t be too similar" in page
