"""The case page: what each role sees of a case, the forms it is offered, and what each form does."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Attachment, Case, CaseState, Closure, Comment, Visibility
from workflow import services
from workflow.models import ExtensionRequest
from workflow.tests.helpers import (
    accepted_case,
    assigned_case,
    closed_case,
    opened_case,
    reload,
    resolved_case,
)

from .helpers import case_url, flashed, signed_in

PDF = b"%PDF-1.4 test document"


def post(client, case, action, data=None, **extra):
    return client.post(case_url(case, action), data or {}, **extra)


def test_it_shows_the_case_to_everyone_who_sees_it_and_404_to_others(district):
    case = assigned_case(district)
    for user in (district.alice, district.carol, district.hank, district.dora, district.sam, district.leo):
        response = signed_in(user).get(case_url(case))
        assert response.status_code == 200, user
        assert case.number in response.content.decode()
    for user in (district.bob, district.dave, district.otto):
        assert signed_in(user).get(case_url(case)).status_code == 404, user


def test_it_shows_the_header_with_category_unit_assignee_and_deadlines_in_working_days(district):
    with time_machine.travel(timezone.datetime(2026, 11, 16, 9, 0, tzinfo=timezone.get_current_timezone())):
        case = assigned_case(district)
        page = signed_in(district.alice).get(case_url(case)).content.decode()
    assert "厂区道路破损" in page
    assert "基础设施保障" in page
    assert "亿鑫化工有限公司" in page
    assert "工业和信息化局" in page
    assert "陈静" in page
    assert "签收" in page and "剩余" in page
    assert 'class="state state--assigned"' in page


def test_it_shows_the_urging_level_to_officials_only(district):
    case = assigned_case(district)
    services.case_urge(
        case=case,
        acting_user=district.sam,
        level=2,
        note="逾期风险",
        answer_due_at=timezone.now() + timezone.timedelta(days=2),
    )
    assert "Supervised (督办)" in signed_in(district.carol, "en").get(case_url(case)).content.decode()
    assert "督办" not in signed_in(district.alice).get(case_url(case)).content.decode()


def test_it_leads_a_supervisor_from_the_case_page_to_its_urging_form_and_back(district):
    case = assigned_case(district)
    link = f'href="/supervision/overdue/{case.pk}/urge/?next=/cases/{case.pk}/"'
    assert link in signed_in(district.sam, "en").get(case_url(case)).content.decode()
    assert link not in signed_in(district.carol, "en").get(case_url(case)).content.decode()
    assert link not in signed_in(district.otto, "en").get(case_url(case)).content.decode()


def test_it_never_shows_an_internal_note_or_file_to_the_enterprise(district):
    case = assigned_case(district)
    carol = signed_in(district.carol)
    post(carol, case, "comment", {"comment-body": "内部：需要发改局配合", "comment-visibility": "internal"})
    post(carol, case, "comment", {"comment-body": "已联系交通局，本周内答复。", "comment-visibility": "public"})
    upload = SimpleUploadedFile("内部评估.pdf", PDF, content_type="application/pdf")
    post(carol, case, "attach", {"attach-file": upload, "attach-visibility": "internal"})
    assert Comment.objects.filter(case=case, visibility=Visibility.INTERNAL).count() == 1
    assert Attachment.objects.filter(case=case, visibility=Visibility.INTERNAL).count() == 1

    officials_page = carol.get(case_url(case)).content.decode()
    assert "内部：需要发改局配合" in officials_page
    assert "内部评估.pdf" in officials_page

    enterprise_page = signed_in(district.alice).get(case_url(case)).content.decode()
    assert "已联系交通局，本周内答复。" in enterprise_page
    assert "内部：需要发改局配合" not in enterprise_page
    assert "内部评估.pdf" not in enterprise_page
    assert "仅政府人员可见" not in enterprise_page


def test_it_lets_only_officials_choose_the_visibility_of_a_message(district):
    case = assigned_case(district)
    assert 'name="comment-visibility"' in signed_in(district.carol).get(case_url(case)).content.decode()
    alice = signed_in(district.alice)
    assert 'name="comment-visibility"' not in alice.get(case_url(case)).content.decode()
    post(alice, case, "comment", {"comment-body": "请尽快处理", "comment-visibility": "internal"})
    assert Comment.objects.get(case=case).visibility == Visibility.PUBLIC


@pytest.mark.parametrize(
    ("who", "offered", "not_offered"),
    [
        ("carol", ["accept", "resolve", "send-back", "extension"], ["assign", "close", "withdraw", "reopen"]),
        ("alice", ["withdraw"], ["accept", "resolve", "send-back", "close", "extension"]),
        ("hank", ["resolve", "reassign"], ["accept", "send-back", "withdraw", "extension"]),
        ("leo", [], ["accept", "resolve", "reassign", "withdraw"]),
    ],
)
def test_it_offers_exactly_the_available_actions(district, who, offered, not_offered):
    case = assigned_case(district)
    page = signed_in(getattr(district, who)).get(case_url(case)).content.decode()
    for action in offered:
        assert f"/cases/{case.pk}/{action}/" in page, action
    for action in not_offered:
        assert f"/cases/{case.pk}/{action}/" not in page, action


def test_it_signs_for_resolves_and_the_enterprise_reads_the_reply_and_closes_with_a_rating(district):
    case = assigned_case(district)
    carol = signed_in(district.carol, "en")
    response = post(carol, case, "accept", {"accept-version": case.version})
    assert response.status_code == 302
    assert flashed(response) == ["Signed for. The case is now yours to work on."]
    case = reload(case)
    assert case.accepted_at is not None

    post(
        carol,
        case,
        "resolve",
        {"resolve-version": case.version, "resolve-resolution_type": "solved", "resolve-reply": "道路已修复。"},
    )
    assert reload(case).state == CaseState.RESOLVED

    alice = signed_in(district.alice)
    page = alice.get(case_url(case)).content.decode()
    assert "道路已修复。" in page
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in page
    case = reload(case)
    response = post(
        alice, case, "close", {"close-version": case.version, "close-satisfaction": 4, "close-comment": "及时"}
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.state, case.satisfaction, case.closure) == (CaseState.CLOSED, 4, Closure.CONFIRMED)
    page = alice.get(case_url(case)).content.decode()
    assert "满意" in page and "及时" in page
    assert "提交跟进诉求" in page


def test_it_asks_for_a_rating_before_closing_and_shows_the_error_beside_the_field(district):
    case = resolved_case(district)
    response = post(signed_in(district.alice, "en"), case, "close", {"close-version": case.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_close-satisfaction_error"' in page
    assert "This field is required." in page
    assert reload(case).state == CaseState.RESOLVED


def test_it_lets_a_supervisor_close_without_a_rating(district):
    case = resolved_case(district)
    assert 'name="close-satisfaction"' not in signed_in(district.sam).get(case_url(case)).content.decode()
    post(signed_in(district.sam), case, "close", {"close-version": case.version})
    case = reload(case)
    assert (case.state, case.closure, case.satisfaction) == (CaseState.CLOSED, Closure.BY_SUPERVISOR, None)


def test_it_reopens_with_a_reason(district):
    case = resolved_case(district)
    post(signed_in(district.alice), case, "reopen", {"reopen-version": case.version, "reopen-reason": "路面仍有坑洼"})
    case = reload(case)
    assert case.state == CaseState.ASSIGNED and case.enterprise_reopen_count == 1
    assert "路面仍有坑洼" in signed_in(district.carol).get(case_url(case)).content.decode()


def test_it_withdraws_with_a_reason(district):
    case = assigned_case(district)
    post(
        signed_in(district.alice), case, "withdraw", {"withdraw-version": case.version, "withdraw-reason": "已自行解决"}
    )
    case = reload(case)
    assert (case.state, case.closure) == (CaseState.CLOSED, Closure.WITHDRAWN)


def test_it_sends_back_and_the_cadre_lands_on_their_home_page_when_the_case_is_out_of_sight(district):
    case = opened_case(district)
    case = services.case_assign(case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce)
    response = post(
        signed_in(district.dave),
        case,
        "send-back",
        {"send-back-version": case.version, "send-back-reason": "不属商务局"},
    )
    assert reload(case).state == CaseState.OPENED
    assert response.status_code == 302 and response.url == "/"


def test_it_assigns_from_the_case_page_to_a_cadre_of_the_chosen_unit(district):
    case = opened_case(district)
    dora = signed_in(district.dora)
    page = dora.get(case_url(case)).content.decode()
    assert "工业和信息化局" in page and f'value="{district.industry.pk}:{district.carol.pk}"' in page
    post(
        dora,
        case,
        "assign",
        {"assign-version": case.version, "assign-assignment": f"{district.commerce.pk}:{district.dave.pk}"},
    )
    case = reload(case)
    assert (case.state, case.assignee, case.responsible_unit) == (CaseState.ASSIGNED, district.dave, district.commerce)


def test_it_refuses_a_made_up_assignment_as_a_form_error(district):
    case = opened_case(district)
    response = post(
        signed_in(district.dora), case, "assign", {"assign-version": case.version, "assign-assignment": "999:999"}
    )
    assert response.status_code == 400
    assert reload(case).state == CaseState.OPENED


def test_it_offers_a_unit_head_only_the_people_of_their_units_to_reassign_to(district):
    case = assigned_case(district)
    page = signed_in(district.hank).get(case_url(case)).content.decode()
    assert f'value="{district.industry_office.pk}:{district.carla.pk}"' in page
    assert f'value="{district.commerce.pk}:{district.dave.pk}"' not in page
    post(
        signed_in(district.hank),
        case,
        "reassign",
        {"reassign-version": case.version, "reassign-assignment": f"{district.industry_office.pk}:{district.carla.pk}"},
    )
    assert reload(case).assignee == district.carla


def test_it_asks_for_more_time_for_the_assignee(district):
    case = accepted_case(district)
    calendar_day = (case.resolution_due_at + timezone.timedelta(days=7)).date()
    while calendar_day.weekday() >= 5:
        calendar_day += timezone.timedelta(days=1)
    response = post(
        signed_in(district.carol, "en"),
        case,
        "extension",
        {"extension-requested_due_date": calendar_day.isoformat(), "extension-reason": "需等待供电公司排期"},
    )
    assert flashed(response) == ["Your request for more time was sent to those who decide it."]
    assert ExtensionRequest.objects.filter(case=case, requested_by=district.carol).count() == 1
    assert "需等待供电公司排期" in signed_in(district.hank).get(case_url(case)).content.decode()
    assert "需等待供电公司排期" not in signed_in(district.alice).get(case_url(case)).content.decode()


def test_it_attaches_a_file_that_the_enterprise_can_download(district):
    case = assigned_case(district)
    alice = signed_in(district.alice)
    upload = SimpleUploadedFile("现场照片.pdf", PDF, content_type="application/pdf")
    post(alice, case, "attach", {"attach-file": upload})
    attachment = Attachment.objects.get(case=case)
    page = alice.get(case_url(case)).content.decode()
    link = f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/"
    assert link in page
    download = alice.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert signed_in(district.bob).get(link).status_code == 404


def test_it_refuses_a_file_of_the_wrong_type_beside_the_field(district):
    case = assigned_case(district)
    upload = SimpleUploadedFile("脚本.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = post(signed_in(district.alice, "en"), case, "attach", {"attach-file": upload})
    assert response.status_code == 400
    assert "Files of this type are not accepted." in response.content.decode()
    assert not Attachment.objects.filter(case=case).exists()


def test_it_shows_a_stale_page_s_action_as_a_clear_message_and_changes_nothing(district):
    case = resolved_case(district)
    stale_version = case.version
    alice = signed_in(district.alice, "en")
    post(alice, case, "reopen", {"reopen-version": stale_version, "reopen-reason": "未解决"})
    response = post(alice, case, "close", {"close-version": stale_version, "close-satisfaction": 5}, follow=True)
    assert response.status_code == 200
    assert "Someone else changed this case a moment ago. Reload it and try again." in response.content.decode()
    assert reload(case).state == CaseState.ASSIGNED


def test_it_shows_the_server_s_refusal_of_an_action_the_user_may_not_take(district):
    case = assigned_case(district)
    response = post(
        signed_in(district.alice, "en"),
        case,
        "resolve",
        {"resolve-version": case.version, "resolve-resolution_type": "solved", "resolve-reply": "自己解决"},
        follow=True,
    )
    assert "Only the assignee or the unit&#x27;s head can resolve this case." in response.content.decode()
    assert reload(case).state == CaseState.ASSIGNED


def test_it_refuses_actions_on_cases_the_user_cannot_see_with_404(district):
    case = assigned_case(district)
    response = post(signed_in(district.bob), case, "withdraw", {"withdraw-reason": "x"})
    assert response.status_code == 404
    assert reload(case).state == CaseState.ASSIGNED


def test_it_links_a_follow_up_to_the_closed_case_and_back(district):
    case = closed_case(district)
    alice = signed_in(district.alice)
    form = alice.get(f"/my/cases/new/?follows_up={case.pk}").content.decode()
    assert case.number in form
    response = alice.post(
        "/my/cases/new/",
        {
            "follows_up": case.pk,
            "enterprise": district.yixin.pk,
            "category": district.infrastructure.pk,
            "title": "道路再次破损",
            "description": "修复后一个月又出现坑洼。",
        },
    )
    follow_up = case.follow_ups.get()
    assert response.url == case_url(follow_up)
    assert case.number in alice.get(case_url(follow_up)).content.decode()
    assert follow_up.number in alice.get(case_url(case)).content.decode()


@pytest.mark.parametrize("replies", [1, 8])
def test_it_renders_the_case_page_in_a_fixed_number_of_queries(district, django_assert_num_queries, replies):
    case = assigned_case(district)
    for index in range(replies):
        services.comment_add(case=case, acting_user=district.carol, body=f"进展 {index}")
        services.comment_add(case=case, acting_user=district.carol, body=f"内部 {index}", visibility="internal")
        services.attachment_add(
            case=case,
            acting_user=district.alice,
            upload=SimpleUploadedFile(f"附件{index}.pdf", PDF, content_type="application/pdf"),
        )
    carol = signed_in(district.carol)
    # With the pending meeting flag, the sub-cases, the clock's pauses, the visit it came from and the common problem.
    with django_assert_num_queries(17):
        response = carol.get(case_url(case))
    filed_and_routed = 2
    assert response.content.decode().count('<li class="timeline__item') == filed_and_routed + 3 * replies


def test_it_shows_the_cases_a_case_names_read_with_the_case(district, django_assert_num_queries):
    first, parent, answer, case = (assigned_case(district) for _ in range(4))
    services.case_merge(case=case, into=answer, acting_user=district.dora)
    Case.objects.filter(pk=case.pk).update(follows_up=first, parent=parent)
    carol = signed_in(district.carol)
    # Those of a case naming none, read with the case: one more asks whether carol sees the parent (a sub-case's
    # assignee may not), one less reads the working-day calendar (a merged case is closed: no deadline shown).
    with django_assert_num_queries(17):
        page = carol.get(case_url(case)).content.decode()
    for named in (first, parent, answer):
        assert f'<a href="/cases/{named.pk}/">{named.number} {named.title}</a>' in page
