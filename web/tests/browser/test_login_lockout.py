"""A person who mistyped the password ten times sees why the eleventh, right, one does not let them in."""

from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import screenshot


def test_it_shows_until_when_logging_in_is_blocked(district, browser_page):
    page = browser_page
    page.goto("/login/")
    for n in range(10):
        page.get_by_label("用户名").fill("carol")
        page.get_by_label("密码").fill(f"wrong-{n}")
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        if n < 9:
            expect(page.get_by_role("alert")).to_contain_text("用户名")

    expect(page.get_by_role("heading", name="暂时无法登录")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("之前暂停登录")
    screenshot(page, "login-locked")

    page.get_by_role("link", name="返回登录页面").click()
    page.get_by_label("用户名").fill("carol")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="暂时无法登录")).to_be_visible()
