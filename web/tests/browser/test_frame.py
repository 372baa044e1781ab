"""The frame every page shares: logging in and out, the language switch, the inbox badge."""

import re

from playwright.sync_api import expect

from workflow.tests.helpers import assigned_case

from .conftest import log_in, screenshot


def test_it_logs_in_in_chinese_and_switches_to_english_and_back(district, browser_page):
    page = browser_page
    log_in(page, "carol")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_it_refuses_a_wrong_password_with_a_message(district, browser_page):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("carol")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名")
    screenshot(page, "login-refused")


def test_it_shows_the_unread_count_and_clears_it_when_read(district, browser_page):
    assigned_case(district)
    page = browser_page
    log_in(page, "carol")
    page.get_by_role("link", name="消息通知").click()
    expect(page.locator(".badge")).to_have_text("1")
    expect(page.locator(".inbox__item--unread")).to_have_count(1)
    screenshot(page, "inbox")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator(".badge")).to_have_count(0)


def test_it_opens_a_notification_s_case_from_the_inbox_and_counts_it_read(district, browser_page):
    case = assigned_case(district)
    page = browser_page
    log_in(page, "carol")
    page.get_by_role("link", name="消息通知").click()

    page.locator(".inbox__item--unread .inbox__open").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator(".badge")).to_have_count(0)
