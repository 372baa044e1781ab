"""The whole journey of a problem in Chinese, in a real browser: filed, routed, signed for, answered, rated."""

from playwright.sync_api import expect

from cases.models import Case, CaseState, Category
from workflow import services
from workflow.tests.helpers import assigned_case, resolved_case

from .conftest import PHONE, log_in, screenshot

LEGAL = "法律事务和专家服务"


def open_menu(page, name: str) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name=name).click()


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def test_it_carries_a_problem_from_filing_to_a_rated_close(district, browser_page, tmp_path):
    Category.objects.filter(code="legal").update(route_to_serving_cadre=False)
    contract = tmp_path / "供货合同.pdf"
    contract.write_bytes(b"%PDF-1.4 contract")
    page = browser_page

    log_in(page, "alice")
    open_menu(page, "反映问题")
    page.get_by_text(LEGAL).click()
    expect(page.get_by_label(LEGAL)).to_be_checked()
    page.get_by_label("标题").fill("供货合同纠纷需法律援助")
    page.get_by_label("问题描述").fill("上游供应商拖欠原料三个月，合同违约金条款存在争议。")
    page.get_by_label("附件（选填）").set_input_files(str(contract))
    screenshot(page, "file-case")
    page.get_by_role("button", name="提交诉求").click()
    expect(page.locator(".message--success")).to_contain_text("问题已提交")
    expect(page.get_by_role("heading", level=1)).to_contain_text("供货合同纠纷需法律援助")
    expect(page.get_by_role("link", name="供货合同.pdf")).to_be_visible()
    case = Case.objects.get(title="供货合同纠纷需法律援助")
    assert case.state == CaseState.OPENED

    switch_user(page, "dora")
    open_menu(page, "派单")
    item = page.locator(".dispatch-item", has_text=case.number)
    expect(item).to_contain_text("陈静（工业和信息化局）")
    expect(item.get_by_label("分派给")).to_have_value(f"{district.industry.pk}:{district.carol.pk}")
    screenshot(page, "dispatch")
    item.get_by_role("button", name="分派").click()
    expect(page.locator(".message--success")).to_have_text("已分派。")
    expect(page.locator(".dispatch-item", has_text=case.number)).to_have_count(0)

    switch_user(page, "carol")
    open_menu(page, "我的待办")
    row = page.locator(f"#queue-case-{case.pk}")
    row.get_by_role("button", name="签收").click()
    expect(row).to_contain_text("已签收，请抓紧办理。")
    expect(row.get_by_role("button", name="签收")).to_have_count(0)
    screenshot(page, "queue")
    row.get_by_role("link", name="供货合同纠纷需法律援助").click()
    page.get_by_label("办理结果").select_option(label="已解决")
    page.get_by_label("答复企业").fill("已协调司法局法律顾问团队介入，供应商同意按期补供原料。")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("已办结")

    switch_user(page, "alice")
    open_menu(page, "我的问题")
    expect(page.locator("tr", has_text=case.number)).to_contain_text("待您确认并评价")
    screenshot(page, "my-cases")
    page.get_by_role("link", name="供货合同纠纷需法律援助").click()
    expect(page.locator(".card--answer")).to_contain_text("供应商同意按期补供原料")
    page.get_by_label("满意", exact=True).check()
    page.get_by_label("评价意见（选填）").fill("响应及时")
    screenshot(page, "case-page")
    page.get_by_role("button", name="确认并销号").click()
    expect(page.locator(".message--success")).to_contain_text("已销号")
    expect(page.locator(".page-head .state")).to_have_text("已销号")
    case.refresh_from_db()
    assert (case.state, case.satisfaction) == (CaseState.CLOSED, 4)


def test_it_refuses_an_action_from_a_stale_tab_with_a_clear_message(district, browser_page):
    case = resolved_case(district)
    first = browser_page
    log_in(first, "alice")
    second = first.context.new_page()
    first.goto(f"/cases/{case.pk}/")
    second.goto(f"/cases/{case.pk}/")

    first.get_by_text("不认可办理结果").first.click()
    first.get_by_label("为什么不认可办理结果？").fill("路面仍有坑洼")
    first.get_by_role("button", name="不认可办理结果").click()
    expect(first.locator(".message--success")).to_be_visible()

    second.get_by_label("非常满意").check()
    second.get_by_role("button", name="确认并销号").click()
    expect(second.locator(".message--error")).to_have_text("该诉求刚刚已被他人修改，请刷新页面后重试。")
    expect(second.get_by_text("Traceback")).to_have_count(0)
    screenshot(second, "case-refused")
    assert Case.objects.get(pk=case.pk).state == CaseState.ASSIGNED


def test_it_never_shows_an_internal_note_to_the_enterprise(district, browser_page):
    case = assigned_case(district)
    page = browser_page
    log_in(page, "carol")
    page.goto(f"/cases/{case.pk}/")
    timeline = page.get_by_role("region", name="办理过程")
    timeline.get_by_label("内容").fill("内部：需发改局会商用地指标")
    timeline.get_by_label("内部备注").check()
    timeline.get_by_role("button", name="发送").click()
    expect(page.locator(".timeline__item--internal")).to_contain_text("需发改局会商用地指标")

    switch_user(page, "alice")
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.title)
    expect(page.get_by_text("需发改局会商用地指标")).to_have_count(0)
    expect(page.get_by_text("仅政府人员可见")).to_have_count(0)


def test_it_shows_the_queue_and_served_enterprises_at_phone_width(district, browser_page):
    case = assigned_case(district)
    services.case_urge(
        case=case, acting_user=district.sam, level=1, note="请加快", answer_due_at=case.resolution_due_at
    )
    page = browser_page
    log_in(page, "carol")
    open_menu(page, "包联企业")
    expect(page.locator("tr", has_text="亿鑫化工有限公司")).to_contain_text("1")
    screenshot(page, "served")

    page.set_viewport_size(PHONE)
    page.goto("/queue/")
    row = page.locator(f"#queue-case-{case.pk}")
    expect(row).to_be_visible()
    expect(page.locator("table.queue thead")).to_be_hidden()
    expect(row.get_by_role("button", name="签收")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "queue-phone")
