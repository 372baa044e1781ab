"""A visit in the browser, in Chinese: carol opens the enterprises she serves, records an on-site visit to Yixin
with one problem found, which becomes Yixin's case in the same step; alice, Yixin's contact, then sees the
visit (when, how, by whom) and the case filed from it, but not what was discussed. Screenshots of each page.

The live server runs on the real clock, so the visit happened an hour ago, Beijing time.
"""

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from cases.models import Case, CaseState
from supervision.visits.models import Visit
from workflow.workdays import SHANGHAI

from .conftest import PHONE, log_in, screenshot

NOTES = "企业计划明年扩产，关心用地指标和电力增容。"


def test_it_takes_a_problem_found_on_a_visit_to_the_enterprise_as_its_case(district, browser_page):
    page = browser_page
    visited = datetime.now(SHANGHAI) - timedelta(hours=1)

    log_in(page, "carol")
    page.goto("/served/")
    page.locator("tr", has_text="亿鑫化工有限公司").get_by_role("link", name="记录走访").click()
    expect(page.get_by_label("企业")).to_have_value(str(district.yixin.pk))
    page.get_by_label("走访日期").fill(visited.date().isoformat())
    page.get_by_label(re.compile(r"^时间[:：]?$")).fill(visited.strftime("%H:%M"))
    page.get_by_label("实地走访").check()
    page.get_by_label("接待人员").fill("王丽（行政经理）")
    page.get_by_label("走访内容").fill(NOTES)
    problem = page.locator("#problem-1")
    problem.get_by_label("功能组").select_option(label="基础设施保障")
    problem.get_by_label(re.compile(r"^问题[:：]?$")).fill("园区专用电力线缆需增容")
    problem.get_by_label("问题描述").fill("新生产线投产后现有线路容量不足。")
    screenshot(page, "visit-new")
    page.get_by_role("button", name="记录走访").click()

    expect(page.locator(".message--success")).to_contain_text("走访已记录")
    visit = Visit.objects.get()
    case = Case.objects.get()
    assert (case.enterprise, case.filed_by, case.state) == (district.yixin, district.carol, CaseState.ASSIGNED)
    assert visit.problems.get().case == case
    expect(page.get_by_text(NOTES)).to_be_visible()
    expect(page.get_by_role("link", name="园区专用电力线缆需增容")).to_be_visible()
    screenshot(page, "visit")

    page.context.clear_cookies()
    log_in(page, "alice")
    page.get_by_role("link", name="走访记录").first.click()
    row = page.locator(f"#visit-{visit.pk}")
    expect(row).to_contain_text(visited.strftime("%Y-%m-%d %H:%M"))
    expect(row).to_contain_text("实地走访")
    expect(row).to_contain_text("陈静")
    expect(row).to_contain_text("园区专用电力线缆需增容")
    expect(page.get_by_text(NOTES)).to_have_count(0)
    screenshot(page, "visits-enterprise")
    page.set_viewport_size(PHONE)
    screenshot(page, "visits-enterprise-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    row.get_by_role("link", name="园区专用电力线缆需增容").click()
    expect(page.get_by_role("heading", name="园区专用电力线缆需增容")).to_be_visible()
    expect(page.get_by_text("走访中发现")).to_be_visible()
    expect(page.get_by_text(NOTES)).to_have_count(0)
