"""The pages of invitations: which served enterprises have nobody who can log in, inviting from there, the
invitations sent with their state, revoking; and the menu entries of accounts."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Invitation, InvitationState
from accounts.services.invitations import invitation_create
from accounts.services.people import user_deactivate
from enterprises.models import Enterprise, EnterpriseContact
from enterprises.services import service_assignment_change

from .helpers import flashed, signed_in


@pytest.fixture
def huaxin(district) -> Enterprise:
    """A second enterprise carol serves, with nobody on file yet."""
    enterprise = Enterprise.objects.create(
        name="华信物流有限公司", credit_code="91110108551385082Q", township=district.township
    )
    service_assignment_change(enterprise=enterprise, unit=district.industry, cadre=district.carol)
    return enterprise


def row_of(page: str, name: str) -> str:
    start = page.index(name)
    return page[start : page.index("</tr>", start)]


def test_it_marks_the_served_enterprises_without_a_contact_who_can_log_in(district, huaxin):
    imported = get_user_model().objects.create_user("imported")
    hongda_like = Enterprise.objects.create(
        name="东方电气有限公司", credit_code="91110000100010433L", township=district.township
    )
    service_assignment_change(enterprise=hongda_like, unit=district.industry, cadre=district.carol)
    EnterpriseContact.objects.create(user=imported, enterprise=hongda_like)
    invitation_create(acting_user=district.carol, enterprise=hongda_like, username="imported")

    page = signed_in(district.carol).get("/served/").content.decode()

    assert "可登录" in row_of(page, "亿鑫化工有限公司")
    assert "尚无人可登录" in row_of(page, "华信物流有限公司")
    assert "已邀请，尚未接受" in row_of(page, "东方电气有限公司"), "an imported contact cannot log in yet"
    assert f'href="/invitations/new/?enterprise={huaxin.pk}"' in row_of(page, "华信物流有限公司")
    assert "有 2 家企业尚无可登录的联系人" in page
    only = signed_in(district.carol).get("/served/?without_contact=1").content.decode()
    assert "华信物流有限公司" in only and "东方电气有限公司" in only and "亿鑫化工有限公司" not in only


def test_it_counts_a_deactivated_contact_as_nobody(district, admin_user):
    user_deactivate(user=district.alice, acting_user=admin_user)

    page = signed_in(district.carol, "en").get("/served/").content.decode()
    assert "Nobody can log in" in row_of(page, "亿鑫化工有限公司")


def test_it_lets_a_cadre_choose_among_the_enterprises_they_serve(district, huaxin):
    page = signed_in(district.carol).get("/invitations/new/").content.decode()

    assert f'href="?enterprise={huaxin.pk}"' in page and f'href="?enterprise={district.yixin.pk}"' in page
    assert "宏达" not in page
    assert signed_in(district.carol).get(f"/invitations/new/?enterprise={district.hongda.pk}").status_code == 403


def test_it_lets_an_administrator_find_the_enterprise_by_name_or_credit_code(district, admin_user):
    admin = signed_in(admin_user)

    by_name = admin.get("/invitations/new/?q=宏达").content.decode()
    by_code = admin.get("/invitations/new/?q=91110000600037341l").content.decode()

    assert f'href="?enterprise={district.hongda.pk}"' in by_name and "亿鑫" not in by_name
    assert f'href="?enterprise={district.yixin.pk}"' in by_code


def test_it_shows_the_link_once_with_a_copy_button_and_keeps_the_form_on_a_refusal(district, huaxin):
    carol = signed_in(district.carol, "en")

    refused = carol.post(f"/invitations/new/?enterprise={huaxin.pk}", {"username": "alice", "name": "王丽"})
    sent = carol.post(f"/invitations/new/?enterprise={huaxin.pk}", {"username": "sun.li", "name": "孙莉"})

    assert refused.status_code == 400
    assert "王丽 already has an account and can log in." in refused.content.decode()
    page = sent.content.decode()
    assert sent.status_code == 200
    assert 'data-copy="invitation-link"' in page and "http://127.0.0.1:8000/join/" in page
    assert "There is no e-mail address: send the link yourself." in page


def test_it_lets_an_administrator_invite_an_official_from_a_page(district, admin_user):
    admin = signed_in(admin_user)
    form = admin.get("/invitations/new/?kind=official")

    answer = admin.post(
        "/invitations/new/?kind=official",
        {"username": "gao", "name": "高远", "unit": district.commerce.pk, "role": "cadre"},
    )

    assert form.status_code == 200 and "邀请工作人员" in form.content.decode()
    assert answer.status_code == 200 and "高远 已受邀" in answer.content.decode()
    assert signed_in(district.carol).get("/invitations/new/?kind=official").status_code == 403


def test_it_lists_the_invitations_sent_with_their_state_and_revokes_one(district, huaxin):
    pending = invitation_create(acting_user=district.carol, enterprise=huaxin, username="sun.li", name="孙莉")
    invitation_create(acting_user=district.carol, enterprise=huaxin, username="zhao.yu", name="赵雨")
    carol = signed_in(district.carol)

    page = carol.get("/invitations/").content.decode()
    assert page.count("待接受") >= 2 and "孙莉" in page and "赵雨" in page
    answer = carol.post(f"/invitations/{pending.invitation.pk}/revoke/")

    assert answer.status_code == 302 and flashed(answer) == ["邀请已撤销，其链接不再有效。"]
    assert Invitation.objects.get(pk=pending.invitation.pk).state == InvitationState.REVOKED
    revoked = carol.get("/invitations/?state=revoked").content.decode()
    assert "孙莉" in revoked and "赵雨" not in revoked
    assert signed_in(district.dave).post(f"/invitations/{pending.invitation.pk}/revoke/").status_code == 403


@pytest.mark.parametrize("count", [1, 5])
def test_it_lists_invitations_in_a_fixed_number_of_queries(district, huaxin, django_assert_num_queries, count):
    for number in range(count):
        invitation_create(acting_user=district.carol, enterprise=huaxin, username=f"person{number}", name="某人")
    carol = signed_in(district.carol)

    # Session, user, roles (one), the count and the page, the bell.
    with django_assert_num_queries(6):
        carol.get("/invitations/")


def test_it_offers_invitations_in_the_menu_to_those_who_serve_and_the_password_page_to_everyone(district):
    carol = signed_in(district.carol).get("/served/").content.decode()
    dave = signed_in(district.dave).get("/queue/").content.decode()
    alice = signed_in(district.alice, "en").get("/my/cases/").content.decode()

    assert 'href="/invitations/"' in carol and 'href="/invitations/"' not in dave
    assert 'href="/password/"' in carol and 'href="/password/"' in dave and "Change password" in alice


def test_it_still_opens_the_first_page_of_the_person_s_work(district):
    assert signed_in(district.alice).get("/").url == "/my/cases/"
    assert signed_in(district.carol).get("/").url == "/queue/"
