"""The joint review meeting and the monthly re-check in the browser, in Chinese: carol flags a case, sam plans a
meeting chaired by leo, records a decision with a sub-case for the commerce bureau and closes the meeting; then
sam draws last month's re-check sample and records one re-check. Screenshots of each page.

The live server runs on the real clock; last month's closures are made through the services with time moved
back into that month.
"""

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState
from supervision.meetings.models import ItemOutcome, Meeting, MeetingState
from supervision.rechecks.models import RecheckItem
from workflow import services
from workflow.workdays import SHANGHAI

from .conftest import PHONE, log_in, screenshot


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def closed_last_month(district, title: str) -> Case:
    """Filed by bob, routed to dave, answered and confirmed on the 14th of last month."""
    first_of_month = timezone.localtime().replace(day=1, hour=10, minute=0, second=0, microsecond=0)
    last_month = (first_of_month - timedelta(days=1)).replace(day=14)
    with time_machine.travel(last_month, tick=False):
        case = services.case_file(
            acting_user=district.bob,
            enterprise=district.hongda,
            category=district.financing,
            title=title,
            description=f"{title}，影响资金周转。",
        )
        if case.assignee_id is None:
            case = services.case_assign(
                case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce
            )
        case = services.case_resolve(case=case, acting_user=district.dave, resolution_type="solved", reply="已办理。")
        return services.case_close(case=case, acting_user=district.bob, satisfaction=5)


def test_it_takes_a_flagged_case_through_the_joint_meeting_to_a_sub_case(district, browser_page):
    case = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="原料供应不足需国企调剂",
        description="主要原料缺口三成，需商务部门协调国有企业调剂。",
    )
    page = browser_page

    log_in(page, "carol")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_text("提请联审会办会研究").click()
    page.get_by_label("需多部门协同").check()
    page.get_by_role("textbox", name="理由:", exact=True).fill("需商务局协调国有企业调剂原料。")
    page.get_by_role("button", name="提请上会").click()
    expect(page.locator(".message--success")).to_contain_text("已提请联审会办会")
    expect(page.get_by_text("等待联审会办会研究")).to_be_visible()

    switch_user(page, "sam")
    page.goto("/supervision/meetings/")
    expect(page.get_by_role("heading", name="1 件诉求等待列入议程")).to_be_visible()
    page.get_by_text("安排会议", exact=True).click()
    page.get_by_label("日期").fill(datetime.now(SHANGHAI).date().isoformat())
    page.get_by_label("主持领导").select_option(label="李强")
    page.get_by_label("工业和信息化局", exact=True).check()
    page.get_by_label("商务局", exact=True).check()
    page.get_by_label("会议名称（选填）").fill("本月联审会办会")
    page.get_by_role("button", name="保存会议安排").click()
    expect(page.locator(".message--success")).to_contain_text("会议已安排")
    meeting = Meeting.objects.get()
    item = page.locator(f"#item-{meeting.items.get().pk}")
    expect(item).to_contain_text("需商务局协调国有企业调剂原料。")

    item.get_by_text("录入议定结果").click()
    item.get_by_label("会议纪要").fill("由商务局牵头协调国有企业调剂原料，两周内落实。")
    row = item.get_by_role("group", name="子案件 1（选填）")
    row.get_by_label("责任单位").select_option(label="商务局")
    # The units taking part are offered at once; the people are searched as one types.
    assignee = row.get_by_label("承办人（选填）")
    row.locator(".searchable").filter(has=page.get_by_label("承办人（选填）")).get_by_role("searchbox").fill("刘德")
    expect(assignee.get_by_role("option", name="刘德 · 商务局")).to_be_attached()
    assignee.select_option(label="刘德 · 商务局")
    row.get_by_label("标题").fill("协调国有企业调剂原料")
    row.get_by_label("办理要求").fill("联系区属国有企业，落实原料调剂。")
    row.get_by_label("办结时限（工作日）").fill("10")
    item.get_by_role("button", name="保存议定结果").click()
    expect(page.locator(".message--success")).to_contain_text("议定结果已录入")
    sub_case = Case.objects.get(parent=case)
    expect(page.get_by_role("link", name=f"{sub_case.number} 协调国有企业调剂原料")).to_be_visible()
    screenshot(page, "meeting")

    page.get_by_label("确认会议已召开：未议定事项顺延至下次会议").check()
    page.get_by_role("button", name="确认会议已召开并结束").click()
    expect(page.locator(".message--success")).to_contain_text("会议已结束")
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD and meeting.items.get().outcome == ItemOutcome.DECIDED

    page.goto("/supervision/meetings/")
    expect(page.locator(f"#meeting-{meeting.pk}")).to_contain_text("已召开")
    screenshot(page, "meetings")
    page.set_viewport_size(PHONE)
    screenshot(page, "meetings-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/cases/{case.pk}/")
    expect(page.locator(f"#sub-case-{sub_case.pk}")).to_contain_text("商务局 · 刘德")
    assert sub_case.assignee == district.dave and sub_case.state == CaseState.ASSIGNED


def test_it_lets_sam_draw_last_months_sample_and_record_a_re_check(district, browser_page):
    loan = closed_last_month(district, "贷款贴息迟迟未到账")
    closed_last_month(district, "出口退税办理缓慢")
    page = browser_page

    log_in(page, "sam")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="复查").click()
    expect(page.get_by_role("heading", name="销号诉求复查")).to_be_visible()
    page.get_by_label("抽查比例（%）").fill("100")
    page.get_by_label("随机种子（选填）").fill("20261101")
    page.get_by_role("button", name="抽取样本").click()
    expect(page.locator(".message--success")).to_contain_text("样本已抽取")
    item = RecheckItem.objects.get(case=loan)
    row = page.locator(f"#item-{item.pk}")

    row.get_by_text(f"录入 {loan.number} 的复查结果").click()
    row.get_by_label("电话回访").check()
    row.get_by_label("通过：问题已解决").check()
    row.get_by_label("复查情况").fill("企业确认贴息已到账。")
    row.get_by_role("button", name="保存复查结果").click()
    expect(page.locator(".message--success")).to_contain_text(f"{loan.number} 的复查结果已录入")
    expect(page.locator(f"#item-{item.pk}")).to_contain_text("通过：问题已解决")
    screenshot(page, "recheck-sample")

    page.goto("/supervision/rechecks/")
    expect(page.locator(f"#sample-{item.sample_id}")).to_contain_text("100%")
    screenshot(page, "rechecks")
    item.refresh_from_db()
    assert item.result == "passed" and item.checked_by == district.sam
