"""The end of the issue's journey in the browser, in Chinese: a bad rating moves the industry bureau's
satisfaction rate, opens a rectification, hank appeals, sam upholds and the rate is back; sam drafts, edits
and publishes the month's circular, which dave of another bureau then reads; sam exports the ledger.

The clock is Thursday 19 November 2026, 10:00 Beijing time, and ticks on.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from cases.models import ResolutionType
from supervision.circulars.models import Circular
from supervision.ratings.models import Rectification
from workflow import services
from workflow.workdays import SHANGHAI

from .conftest import PHONE, log_in, screenshot

THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def working_day():
    with time_machine.travel(THURSDAY, tick=True):
        yield


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def resolved(district, title: str):
    case = services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title=title,
        description=f"{title}，影响正常生产。",
    )
    return services.case_resolve(
        case=case, acting_user=district.carol, resolution_type=ResolutionType.SOLVED, reply="已协调供电公司完成增容。"
    )


def industry_satisfaction(page):
    page.goto("/supervision/rates/")
    row = page.locator("tr", has=page.get_by_role("rowheader", name="工业和信息化局", exact=True))
    return row.locator('td[data-label="满意率"] .rate')


def test_it_carries_a_bad_rating_through_rectification_appeal_and_the_circular(district, browser_page):
    with time_machine.travel(THURSDAY - timedelta(days=2), tick=False):
        earlier = resolved(district, "厂区道路破损")
        services.case_close(case=earlier, acting_user=district.alice, satisfaction=5)
    case = resolved(district, "园区专用电力线缆需增容")
    page = browser_page

    log_in(page, "sam")
    expect(industry_satisfaction(page)).to_have_text("100.0%")

    switch_user(page, "alice")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("非常不满意", exact=True).check()
    page.get_by_role("button", name="确认并销号").click()
    expect(page.locator(".message--success")).to_contain_text("已销号")

    switch_user(page, "sam")
    expect(industry_satisfaction(page)).to_have_text("50.0%")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="整改申诉").click()
    rectification = Rectification.objects.get(case=case)
    row = page.locator(f"#rectification-{rectification.pk}")
    expect(row).to_contain_text("工业和信息化局")
    expect(row).to_contain_text("非常不满意")
    expect(row.locator(".deadline")).to_contain_text("剩余")
    screenshot(page, "rectifications")
    page.set_viewport_size(PHONE)
    screenshot(page, "rectifications-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    switch_user(page, "hank")
    page.goto("/supervision/rectifications/")
    row = page.locator(f"#rectification-{rectification.pk}")
    row.get_by_text("申诉差评").click()
    row.get_by_label("恶意差评").check()
    row.get_by_label("申诉理由").fill("该企业因其他合同纠纷给出差评，与本次办理无关。")
    row.get_by_role("button", name="提交申诉").click()
    expect(page.locator(".message--success")).to_contain_text("差评申诉已提交")

    switch_user(page, "sam")
    page.goto("/supervision/appeals/")
    expect(page.get_by_role("heading", name="差评申诉")).to_be_visible()
    screenshot(page, "appeals")
    page.get_by_label("审核意见").fill("经核实属恶意差评，不计入满意率。")
    page.get_by_role("button", name="支持申诉").click()
    expect(page.locator(".message--success")).to_contain_text("不再计入满意率")
    expect(industry_satisfaction(page)).to_have_text("100.0%")

    page.goto("/supervision/circulars/")
    screenshot(page, "circulars")
    page.get_by_role("button", name="生成草稿").click()
    expect(page.locator(".message--success")).to_contain_text("草稿已生成")
    expect(page.locator("#circular-number")).to_have_text("（草稿）")
    page.get_by_label("导语").fill("现将2026年11月企业诉求办理情况通报如下，请各单位对照整改。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".message--success")).to_have_text("草稿已保存。")
    expect(page.locator(".circular__intro")).to_have_text("现将2026年11月企业诉求办理情况通报如下，请各单位对照整改。")
    screenshot(page, "circular-draft")
    page.get_by_text("发布", exact=True).click()
    page.get_by_label("已审核：发布后即编号，不可再修改").check()
    page.get_by_role("button", name="发布通报").click()
    expect(page.locator(".message--success")).to_contain_text("已发布")
    expect(page.get_by_text("督办通报〔2026〕第1期")).to_be_visible()
    assert Circular.objects.get().sequence == 1

    page.goto("/supervision/ledger/")
    page.get_by_role("button", name="导出台账").click()
    expect(page.locator(".message--success")).to_contain_text("台账正在生成")
    expect(page.get_by_role("link", name="下载 Excel")).to_be_visible()
    screenshot(page, "ledger")

    switch_user(page, "dave")
    page.goto("/supervision/circulars/")
    page.get_by_role("link", name="督办通报〔2026〕第1期").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("通报")
    expect(page.locator(".circular__intro")).to_contain_text("请各单位对照整改")
    expect(page.get_by_role("button", name="发布通报")).to_have_count(0)
    screenshot(page, "circular-published")
