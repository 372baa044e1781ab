"""The enterprise's pages: its problems with what waits for it first, and the filing form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case, CaseState
from enterprises.models import EnterpriseContact
from workflow import services
from workflow.tests.helpers import assigned_case, closed_hongda_case, opened_case, resolved_case

from .helpers import case_url, flashed, signed_in

PDF = b"%PDF-1.4 test document"


def test_it_lists_my_enterprise_s_problems_with_what_waits_for_me_first(district):
    opened = opened_case(district)
    waiting = resolved_case(district)
    assigned = assigned_case(district)
    closed_hongda_case(district)
    page = signed_in(district.alice).get("/my/cases/").content.decode()
    positions = [page.index(case.number) for case in (waiting, assigned, opened)]
    assert positions == sorted(positions)
    assert "待您确认并评价" in page
    assert "宏达" not in page and Case.objects.filter(enterprise=district.hongda).exists()


def test_it_keeps_my_cases_for_enterprise_users(district):
    assert signed_in(district.carol).get("/my/cases/").status_code == 403


def test_it_paginates_my_cases(district):
    for _ in range(21):
        opened_case(district)
    alice = signed_in(district.alice)
    assert alice.get("/my/cases/").content.decode().count("<tr>") == 1 + 20
    assert alice.get("/my/cases/?page=2").content.decode().count("<tr>") == 1 + 1


@pytest.mark.parametrize("count", [2, 6])
def test_it_lists_my_cases_in_a_fixed_number_of_queries(district, django_assert_num_queries, count):
    for _ in range(count):
        resolved_case(district)
    alice = signed_in(district.alice)
    with django_assert_num_queries(7):
        alice.get("/my/cases/")


def test_it_shows_each_category_as_a_card_with_its_description(district):
    page = signed_in(district.alice).get("/my/cases/new/").content.decode()
    assert page.count('class="category-card"') == 7
    assert "供电增容、供水、道路、用地、地上物迁移" in page
    assert 'name="enterprise"' in page and 'type="hidden" name="enterprise"' in page


def test_it_files_a_problem_with_attachments_and_lands_on_its_page(district):
    alice = signed_in(district.alice, "en")
    response = alice.post(
        "/my/cases/new/",
        {
            "enterprise": district.yixin.pk,
            "category": district.infrastructure.pk,
            "title": "园区专用电力线缆需增容",
            "description": "新生产线投产后现有线路容量不足。",
            "attachments": [
                SimpleUploadedFile("线路图.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("负荷表.csv", "时段,负荷\n白天,800kW\n".encode(), content_type="text/csv"),
            ],
        },
    )
    case = Case.objects.get(title="园区专用电力线缆需增容")
    assert response.status_code == 302 and response.url == case_url(case)
    assert flashed(response) == ["Your problem was filed. You can follow every step on this page."]
    assert sorted(Attachment.objects.filter(case=case).values_list("original_name", flat=True)) == [
        "线路图.pdf",
        "负荷表.csv",
    ]
    assert case.state == CaseState.ASSIGNED and case.assignee == district.carol


def test_it_files_nothing_when_an_attachment_is_refused(district):
    response = signed_in(district.alice, "en").post(
        "/my/cases/new/",
        {
            "enterprise": district.yixin.pk,
            "category": district.infrastructure.pk,
            "title": "园区专用电力线缆需增容",
            "description": "新生产线投产后现有线路容量不足。",
            "attachments": [SimpleUploadedFile("假图片.png", b"not an image", content_type="image/png")],
        },
    )
    assert response.status_code == 400
    assert "does not match its name" in response.content.decode()
    assert not Case.objects.exists()


def test_it_shows_missing_fields_beside_them(district):
    response = signed_in(district.alice, "en").post("/my/cases/new/", {"enterprise": district.yixin.pk})
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("category", "title", "description"):
        assert f'id="id_{field}_error"' in page
    assert not Case.objects.exists()


def test_it_asks_a_contact_of_several_enterprises_which_one(district):
    EnterpriseContact.objects.create(user=district.alice, enterprise=district.hongda)
    alice = signed_in(district.alice)
    page = alice.get("/my/cases/new/").content.decode()
    assert "<select" in page and "宏达机械制造有限公司" in page
    alice.post(
        "/my/cases/new/",
        {
            "enterprise": district.hongda.pk,
            "category": district.financing.pk,
            "title": "设备贷款",
            "description": "需要贴息支持。",
        },
    )
    assert Case.objects.get().enterprise == district.hongda


def test_it_refuses_filing_for_an_enterprise_the_user_does_not_act_for(district):
    response = signed_in(district.alice).post(
        "/my/cases/new/",
        {
            "enterprise": district.hongda.pk,
            "category": district.financing.pk,
            "title": "冒名诉求",
            "description": "不应提交成功。",
        },
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_it_lets_a_cadre_file_for_an_enterprise_they_serve(district):
    carol = signed_in(district.carol)
    assert "亿鑫化工有限公司" in carol.get(f"/my/cases/new/?enterprise={district.yixin.pk}").content.decode()
    carol.post(
        "/my/cases/new/",
        {
            "enterprise": district.yixin.pk,
            "category": district.financing.pk,
            "title": "走访发现：流动资金紧张",
            "description": "企业反映原料款压力大。",
        },
    )
    case = Case.objects.get()
    assert (case.filed_by, case.enterprise) == (district.carol, district.yixin)
    assert signed_in(district.dora).get("/my/cases/new/").status_code == 403


def test_it_keeps_withdrawn_problems_in_my_list_as_closed(district):
    case = opened_case(district)
    services.case_withdraw(case=case, acting_user=district.alice, reason="已解决")
    page = signed_in(district.alice).get("/my/cases/").content.decode()
    assert case.number in page and "state--closed" in page


def test_it_states_the_configured_attachment_limit(district, settings):
    settings.HUIYIN = {**settings.HUIYIN, "ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024}
    page = signed_in(district.alice, "en").get("/my/cases/new/").content.decode()
    assert "Documents and images up to 5.0\xa0MB each" in page
