"""A cadre invites a contact for an enterprise nobody can log in for, and the contact, given the link by
other means, chooses a password on the invitation page and lands on their own work, in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from enterprises.models import Enterprise
from enterprises.services import service_assignment_change

from .conftest import log_in, screenshot


@pytest.fixture
def huaxin(district) -> Enterprise:
    enterprise = Enterprise.objects.create(
        name="华信物流有限公司", credit_code="91110108551385082Q", township=district.township
    )
    service_assignment_change(enterprise=enterprise, unit=district.industry, cadre=district.carol)
    return enterprise


def test_it_takes_an_invited_contact_from_the_link_to_their_own_page(
    district, huaxin, browser_page, live_server, settings
):
    settings.NOTIFICATIONS_SITE_URL = live_server.url
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)

    log_in(page, "carol")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="包联企业").click()
    row = page.get_by_role("row", name="华信物流有限公司")
    expect(row).to_contain_text("尚无人可登录")
    row.get_by_role("link", name="邀请联系人").click()
    page.get_by_label("用户名").fill("13912345678")
    page.get_by_label("姓名").fill("孙莉")
    page.get_by_role("button", name="邀请", exact=True).click()

    expect(page.get_by_role("heading", name="孙莉 已受邀")).to_be_visible()
    link = page.get_by_label("邀请链接（可通过微信或短信发送）").input_value()
    assert link.startswith(f"{live_server.url}/join/")
    page.get_by_role("button", name="复制").click()
    expect(page.get_by_role("button", name="已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    screenshot(page, "invitation-sent")

    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="设置密码")).to_be_visible()
    expect(page.get_by_text("欢迎您，孙莉。陈静 邀请您作为华信物流有限公司的联系人使用回音。")).to_be_visible()
    page.get_by_label(re.compile("^密码")).fill("short")
    page.get_by_label("确认密码").fill("short")
    page.get_by_role("button", name="设置密码并登录").click()
    expect(page.locator(".error").first).to_contain_text("密码长度太短")
    page.get_by_label(re.compile("^密码")).fill("Huaxin-logistics-2026")
    page.get_by_label("确认密码").fill("Huaxin-logistics-2026")
    screenshot(page, "invitation-accept")
    page.get_by_role("button", name="设置密码并登录").click()

    expect(page.get_by_role("heading", name="我的问题")).to_be_visible()
    expect(page.locator(".message--success")).to_contain_text("欢迎使用回音")
    page.goto(link)
    expect(page.get_by_role("heading", name="该链接无法使用")).to_be_visible()
