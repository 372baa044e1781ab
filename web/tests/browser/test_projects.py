"""Key projects on the wall (挂图作战) in the browser, in Chinese: carol of the task force plans a node that is already
past and records a month's investment on the project page; leo opens the board, sees the node late, filters the
late ones and downloads the workbook; alice sees her project's nodes and no report forms. Screenshots of each page.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from enterprises.models import KeyProject, TaskForceLevel, TaskForceMember
from supervision.projects.models import MilestoneKind
from workflow.workdays import SHANGHAI

from .conftest import log_in, screenshot
from .test_meeting import switch_user

# The standard nodes the data migration seeds; each flush of a browser test removes them.
NODES = (("签约", "Contract signed"), ("开工", "Construction started"), ("投产", "In production"))


def test_it_lets_the_task_force_report_and_the_leader_see_the_late_node_on_the_board(district, browser_page):
    for position, (name_zh, name_en) in enumerate(NODES, start=1):
        MilestoneKind.objects.get_or_create(name_zh=name_zh, defaults={"name_en": name_en, "position": position})
    project = KeyProject.objects.create(name="亿鑫新材料一期", enterprise=district.yixin, leader=district.leo)
    TaskForceMember.objects.create(project=project, user=district.carol, level=TaskForceLevel.DISTRICT_LIAISON)
    today = timezone.now().astimezone(SHANGHAI).date()
    page = browser_page

    log_in(page, "carol")
    page.goto(f"/projects/{project.pk}/")
    plan = page.locator("form", has=page.get_by_role("heading", name="计划节点"))
    plan.get_by_label("节点").select_option(label="开工")
    plan.get_by_label("计划日期").fill((today - timedelta(days=10)).isoformat())
    plan.get_by_role("button", name="保存计划").click()
    expect(page.locator(".message--success")).to_contain_text("节点计划已保存")
    expect(page.locator(".node--late")).to_have_text("逾期")
    investment = page.locator("form", has=page.get_by_role("heading", name="填报月度完成投资"))
    investment.get_by_label("月度").fill(f"{today:%Y-%m}")
    investment.get_by_label("完成投资（万元）").fill("350")
    investment.get_by_role("button", name="填报").click()
    expect(page.locator(".message--success")).to_contain_text("月度完成投资已填报")
    screenshot(page, "project-page")

    switch_user(page, "leo")
    page.goto("/projects/")
    row = page.locator("tr", has_text="亿鑫新材料一期")
    expect(row.locator(".node--late")).to_contain_text("逾期")
    expect(row).to_contain_text("350.00")
    page.get_by_label("节点状态").select_option(label="按期完成")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有可显示的重点项目。")).to_be_visible()
    page.get_by_label("节点状态").select_option(label="逾期")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("tr", has_text="亿鑫新材料一期")).to_be_visible()
    screenshot(page, "project-board")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    switch_user(page, "alice")
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator(".node--late")).to_be_visible()
    expect(page.get_by_role("heading", name="填报（专班）")).to_have_count(0)
