"""People get accounts by invitation: a one-time link, e-mailed and shown once to the inviter, that lets them
choose a password and log in, for HUIYIN_INVITATION_DAYS days."""

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import Invitation, InvitationAction, InvitationEvent, InvitationState, MailStatus
from accounts.services import invitations as services
from accounts.services.people import user_deactivate
from accounts.tasks import invitation_mails_send_due_task, invitations_expire_task
from enterprises.models import Enterprise, EnterpriseContact, Role, UnitMembership
from enterprises.services import service_assignment_change
from notifications.models import Delivery, Notification
from workflow.workdays import SHANGHAI

from .helpers import link_path, signed_in

INVITATIONS = "/api/v1/invitations/"
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)
NEW_PASSWORD = "Yixin-contact-2026"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a request queues after commit (the e-mail) as it ends, as in production."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def invite(district, committed):
    def invite(client=None, **fields):
        data = {
            "enterprise": district.yixin.pk,
            "username": "13800000001",
            "name": "周敏",
            "email": "zhou@yixin.example",
        }
        with committed():
            return (client or district.client(district.carol)).post(INVITATIONS, {**data, **fields}, format="json")

    return invite


def accept(path: str, password: str = NEW_PASSWORD, language: str = "zh-hans") -> tuple[Client, object]:
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    return browser, browser.post(path, {"new_password1": password, "new_password2": password})


def test_it_invites_a_contact_who_sets_a_password_from_the_e_mail_and_is_logged_in(district, clock, committed):
    carol = signed_in(district.carol)
    with committed():
        page = carol.post(
            f"/invitations/new/?enterprise={district.yixin.pk}",
            {"username": "13800000001", "name": "周敏", "email": "zhou@yixin.example", "title": "财务主管"},
        )

    assert page.status_code == 200
    assert "周敏 已受邀" in page.content.decode()
    [message] = mail.outbox
    assert message.to == ["zhou@yixin.example"]
    assert message.subject == "陈静 邀请您使用回音"
    assert "亿鑫化工有限公司" in message.body and "13800000001" in message.body
    assert "2026-12-14 09:00" in message.body
    path = link_path(message.body)
    assert path in page.content.decode(), "the inviter sees the link the e-mail carries"

    form = Client().get(path)
    assert form.status_code == 200
    assert "陈静 邀请您作为亿鑫化工有限公司的联系人使用回音" in form.content.decode()

    browser, answer = accept(path)
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert browser.get("/").url == "/my/cases/"
    zhou = get_user_model().objects.get(username="13800000001")
    assert zhou.check_password(NEW_PASSWORD) and zhou.is_active
    assert EnterpriseContact.objects.get(user=zhou).enterprise == district.yixin
    invitation = Invitation.objects.get(user=zhou)
    assert invitation.state == InvitationState.ACCEPTED and invitation.mail_status == MailStatus.SENT


def test_it_lets_the_link_work_once(district, clock, invite):
    path = link_path(invite().json()["link"])
    accept(path)

    second, answer = accept(path, password="Someone-else-2026")

    assert answer.status_code == 404
    assert "该链接无法使用" in answer.content.decode()
    assert get_user_model().objects.get(username="13800000001").check_password(NEW_PASSWORD)


def test_it_expires_the_link_after_the_configured_days(district, clock, settings, invite):
    settings.HUIYIN = {**settings.HUIYIN, "INVITATION_DAYS": 2}
    answer = invite().json()
    assert answer["expires_at"] == "2026-12-09T09:00:00+08:00"
    path = link_path(answer["link"])

    clock.shift(timedelta(days=2) - timedelta(seconds=1))
    assert Client().get(path).status_code == 200
    clock.shift(timedelta(seconds=1))
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)

    assert page.status_code == 410
    assert "It expired at 2026-12-09 09:00 (Beijing time)." in page.content.decode()
    invitation = Invitation.objects.get(pk=answer["id"])
    assert invitation.state == InvitationState.EXPIRED
    assert invitation.events.last().action == InvitationAction.EXPIRED and invitation.events.last().actor is None
    assert accept(path)[1].status_code == 410
    assert not get_user_model().objects.get(username="13800000001").has_usable_password()


def test_it_marks_invitations_past_their_days_expired_in_the_hourly_sweep(district, clock, invite):
    pending = invite().json()["id"]
    invite(username="13800000002").json()
    clock.shift(timedelta(days=3))
    fresh = invite(username="13800000003").json()["id"]
    clock.shift(timedelta(days=4, minutes=1))

    assert invitations_expire_task() == 2

    states = dict(Invitation.objects.values_list("pk", "state"))
    assert states[pending] == InvitationState.EXPIRED and states[fresh] == InvitationState.PENDING
    assert InvitationEvent.objects.filter(action=InvitationAction.EXPIRED).count() == 2
    assert invitations_expire_task() == 0


def test_it_refuses_a_cadre_who_does_not_serve_the_enterprise(district, clock, invite):
    by_api = invite(client=district.client(district.carol), enterprise=district.hongda.pk)
    by_page = signed_in(district.carol).post(
        f"/invitations/new/?enterprise={district.hongda.pk}", {"username": "13800000001", "name": "周敏"}
    )

    assert by_api.status_code == 403
    assert by_api.json()["message"] == "您只能为自己包联的企业邀请联系人。"
    assert by_page.status_code == 403
    assert not get_user_model().objects.filter(username="13800000001").exists()
    assert not Invitation.objects.exists() and mail.outbox == []


def test_it_refuses_invitations_from_someone_who_serves_no_enterprise(district, clock, invite):
    answer = invite(client=district.client(district.alice))

    assert answer.status_code == 403
    assert signed_in(district.dave).get("/invitations/").status_code == 403


def test_it_revokes_an_invitation_and_its_link_stops_working(district, clock, invite):
    created = invite().json()
    path = link_path(created["link"])

    answer = district.client(district.carol).post(f"{INVITATIONS}{created['id']}/revoke/")

    assert answer.status_code == 200
    assert answer.json()["state"] == "revoked" and answer.json()["available_actions"] == []
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(path)
    assert page.status_code == 410 and "It was revoked, or replaced by a newer invitation." in page.content.decode()
    again = district.client(district.carol).post(f"{INVITATIONS}{created['id']}/revoke/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_it_lets_only_the_inviter_those_who_serve_and_administrators_revoke(district, clock, invite):
    created = invite().json()

    assert district.client(district.dave).post(f"{INVITATIONS}{created['id']}/revoke/").status_code == 404
    service_assignment_change(enterprise=district.yixin, unit=district.industry, cadre=district.carla)
    carla = district.client(district.carla).post(f"{INVITATIONS}{created['id']}/revoke/")
    assert carla.status_code == 200, "the cadre who took the enterprise over"


def test_it_replaces_a_pending_invitation_with_a_new_one(district, clock, invite):
    first = invite().json()
    second = invite().json()

    assert Client().get(link_path(first["link"])).status_code == 410
    assert Client().get(link_path(second["link"])).status_code == 200
    replaced = Invitation.objects.get(pk=first["id"])
    assert replaced.state == InvitationState.REVOKED and replaced.mail_status == MailStatus.SENT
    assert replaced.events.last().reason == "replaced" and replaced.events.last().actor == district.carol
    assert Invitation.objects.filter(state=InvitationState.PENDING).count() == 1


def test_it_invites_an_imported_contact_who_cannot_log_in_yet_at_the_address_on_file(
    district, clock, invite, committed
):
    imported = get_user_model().objects.create_user("13900000009", email="li@yixin.example", first_name="李娜")
    EnterpriseContact.objects.create(user=imported, enterprise=district.yixin)
    carol = signed_in(district.carol)

    contacts = carol.get(f"/invitations/new/?enterprise={district.yixin.pk}").content.decode()
    assert "李娜" in contacts and "尚不能登录" in contacts
    with committed():
        page = carol.post(
            f"/invitations/new/?enterprise={district.yixin.pk}", {"username": "13900000009", "existing": "1"}
        )

    assert page.status_code == 200
    assert mail.outbox[0].to == ["li@yixin.example"]
    refused = invite(username="13900000009", email="other@example.com")
    assert refused.status_code == 400
    assert refused.json()["fields"]["email"] == ["邀请发送到登记的地址 li@yixin.example；只有管理员可以更改。"]


def test_it_refuses_to_invite_someone_who_can_already_log_in(district, clock, invite):
    answer = invite(username="alice")

    assert answer.status_code == 409
    assert answer.json() == {
        "code": "has_account",
        "message": "王丽 已有账号，可以登录。忘记密码可在登录页面重设。",
    }


def test_it_keeps_officials_and_other_enterprises_people_out_of_a_cadre_s_reach(district, clock, invite):
    imported_official = get_user_model().objects.create_user("wang.official")
    UnitMembership.objects.create(user=imported_official, unit=district.commerce, role=Role.CADRE)
    hongda_only = get_user_model().objects.create_user("hongda.contact")
    EnterpriseContact.objects.create(user=hongda_only, enterprise=district.hongda)

    assert invite(username="wang.official").status_code == 403
    assert invite(username="hongda.contact").status_code == 403
    official = invite(kind="official", enterprise=None, unit=district.industry.pk, role="cadre")
    assert official.status_code == 403
    assert not EnterpriseContact.objects.filter(user__in=[imported_official, hongda_only], enterprise=district.yixin)


def test_it_lets_an_administrator_invite_an_official_with_a_role_in_a_unit(district, clock, admin_user):
    answer = district.client(admin_user).post(
        INVITATIONS,
        {"kind": "official", "unit": district.commerce.pk, "role": "cadre", "username": "gao", "name": "高远"},
        format="json",
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["mail_status"] == "none" and mail.outbox == []
    gao = get_user_model().objects.get(username="gao")
    assert UnitMembership.objects.filter(user=gao, unit=district.commerce, role=Role.CADRE).exists()
    accept(link_path(answer.json()["link"]))
    gao.refresh_from_db()
    assert gao.has_usable_password() and signed_in(gao).get("/").url == "/queue/"


def test_it_writes_who_invited_whom_and_when_it_was_accepted(district, clock, admin_user, invite):
    first = invite().json()
    clock.shift(timedelta(hours=1))
    second = invite(client=district.client(admin_user)).json()
    clock.shift(timedelta(hours=1))
    accept(link_path(second["link"]))

    detail = district.client(district.carol).get(f"{INVITATIONS}{second['id']}/").json()
    assert [(event["action"], event["actor"]["username"], event["at"]) for event in detail["events"]] == [
        ("invited", "admin", "2026-12-07T10:00:00+08:00"),
        ("accepted", "13800000001", "2026-12-07T11:00:00+08:00"),
    ]
    assert detail["invited_by"]["username"] == "admin" and detail["accepted_at"] == "2026-12-07T11:00:00+08:00"
    replaced = Invitation.objects.get(pk=first["id"]).events.values_list("action", "actor__username", "reason")
    assert list(replaced) == [("invited", "carol", ""), ("revoked", "admin", "replaced")]


def test_it_shows_the_link_once_and_keeps_nothing_that_opens_it(district, clock, invite):
    created = invite().json()
    token = link_path(created["link"]).rstrip("/").rsplit("/", 1)[1]

    detail = district.client(district.carol).get(f"{INVITATIONS}{created['id']}/").json()
    listing = district.client(district.carol).get(INVITATIONS).json()

    assert "link" not in detail and "link" not in listing["results"][0]
    stored = [
        *Invitation.objects.values_list(),
        *InvitationEvent.objects.values_list(),
        *Notification.objects.values_list(),
        *Delivery.objects.values_list(),
    ]
    assert not any(token in str(value) for row in stored for value in row)
    assert token not in signed_in(district.carol).get("/invitations/").content.decode()


def test_it_refuses_a_link_with_a_wrong_token(district, clock, invite):
    path = link_path(invite().json()["link"])
    forged = re.sub(r"/[0-9a-f]{32}/$", "/" + "0" * 32 + "/", path)

    assert Client().get(forged).status_code == 404
    assert accept(forged)[1].status_code == 404
    assert Client().get(path.replace("/join/", "/join/9")).status_code == 404


def test_it_applies_the_password_rules_when_the_link_is_used(district, clock, invite):
    path = link_path(invite().json()["link"])

    _browser, answer = accept(path, password="12345678", language="en")

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Choose your password" in page and "Your username:" in page
    assert "This password is too common." in page and "This password is entirely numeric." in page
    assert Invitation.objects.get().state == InvitationState.PENDING


def test_it_retries_an_e_mail_the_mail_server_refused_for_now(district, clock, invite):
    with mock.patch("django.core.mail.message.EmailMessage.send", side_effect=ConnectionRefusedError("refused")):
        created = invite().json()
    invitation = Invitation.objects.get(pk=created["id"])
    assert invitation.mail_status == MailStatus.PENDING and invitation.mail_attempts == 1
    assert invitation.mail_error == "无法连接邮件服务器：refused", "in the site's language, for administrators"

    assert invitation_mails_send_due_task() == 0, "not before the pause of a minute"
    clock.shift(timedelta(minutes=1))
    assert invitation_mails_send_due_task() == 1

    invitation.refresh_from_db()
    assert invitation.mail_status == MailStatus.SENT and invitation.mail_error == ""
    assert link_path(mail.outbox[0].body) == link_path(created["link"])


def test_it_sends_the_e_mail_from_the_sweep_when_the_broker_was_down(district, clock, invite):
    with mock.patch("accounts.tasks.invitation_mail_send_task.delay", side_effect=OSError("broker down")):
        created = invite()
    assert created.status_code == 201 and mail.outbox == []

    assert invitation_mails_send_due_task() == 1
    assert invitation_mails_send_due_task() == 0
    assert len(mail.outbox) == 1


def test_it_sends_no_e_mail_for_an_invitation_revoked_before_it_went(district, clock, invite):
    with mock.patch("accounts.tasks.invitation_mail_send_task.delay", side_effect=OSError("broker down")):
        created = invite().json()
    district.client(district.carol).post(f"{INVITATIONS}{created['id']}/revoke/")

    assert invitation_mails_send_due_task() == 0
    assert mail.outbox == []
    assert Invitation.objects.get().mail_status == MailStatus.CANCELLED


def test_it_lets_only_an_administrator_invite_a_deactivated_account_again(district, clock, admin_user, invite):
    user_deactivate(user=district.alice, acting_user=admin_user)

    assert invite(username="alice").status_code == 403
    answer = invite(client=district.client(admin_user), username="alice")
    assert answer.status_code == 201
    accept(link_path(answer.json()["link"]))
    district.alice.refresh_from_db()
    assert district.alice.is_active and district.alice.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("count", [1, 4])
def test_it_lists_the_invitations_a_person_may_see_in_a_fixed_number_of_queries(
    district, clock, django_assert_num_queries, invite, count
):
    for number in range(count):
        invite(username=f"1380000000{number}")
    other = Enterprise.objects.create(
        name="华信物流有限公司", credit_code="91110108551385082Q", township=district.township
    )
    service_assignment_change(enterprise=other, unit=district.commerce, cadre=district.dave)
    invite(client=district.client(district.dave), enterprise=other.pk, username="13700000000")
    carol = district.client(district.carol)

    # The count, the page, and the audit trail with its people.
    with django_assert_num_queries(4):
        answer = carol.get(INVITATIONS)
    assert answer.json()["count"] == count
    dave_sees = district.client(district.dave).get(INVITATIONS).json()["results"]
    assert [row["person"]["username"] for row in dave_sees] == ["13700000000"]


def test_it_revokes_the_token_of_no_one_when_someone_is_invited(district, clock, invite):
    """Creating and accepting an invitation touches the invited account only."""
    token = Token.objects.create(user=district.carol)
    accept(link_path(invite().json()["link"]))

    assert Token.objects.filter(pk=token.pk).exists()


def test_it_expires_a_pending_invitation_as_it_is_revoked_too_late(district, clock, invite):
    created = invite().json()
    clock.shift(services.invitation_lifetime())

    answer = district.client(district.carol).post(f"{INVITATIONS}{created['id']}/revoke/")

    assert answer.status_code == 409
    assert answer.json()["message"] == "该邀请已过期。"


def test_it_shows_an_invitation_and_its_trail_in_the_admin_without_its_link(district, clock, invite, admin_user):
    created = invite().json()
    token = link_path(created["link"]).rstrip("/").rsplit("/", 1)[1]

    page = signed_in(admin_user, "en").get(f"/admin/accounts/invitation/{created['id']}/change/")

    assert page.status_code == 200
    assert "Invitation events" in page.content.decode() and token not in page.content.decode()
    listing = signed_in(admin_user).get("/admin/accounts/invitation/")
    assert listing.status_code == 200 and "13800000001" in listing.content.decode()
