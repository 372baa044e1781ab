"""Sam's and leo's pages in the browser, in Chinese: the overdue board with urging, extension approval, the
rankings with their bars and drill-down, and the leader's board; with the screenshots of each.

The live server runs on the real clock; the cases are filed weeks earlier through the services, so that they
are overdue now.
"""

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, ResolutionType, UrgingLevel
from workflow import services

from .conftest import PHONE, log_in, screenshot

DESKTOP = {"width": 1280, "height": 800}
# How many pixels the page, or a scrolling box of it, runs off its right edge: a table in a box that scrolls
# sideways does not widen the page, but it does not fit the screen either.
HORIZONTAL_OVERFLOW = """(boxes) => Math.max(...[document.documentElement, ...document.querySelectorAll(boxes)]
    .map((element) => element.scrollWidth - element.clientWidth))"""
# The short words of the rankings that a line break would cut: figures, fractions, names, "无数据" and each rate it
# lists. A word is cut when its text spans more than one line.
WRAPPED_WORDS = """() => {
    const table = '.rates-table';
    const ownText = (element) => [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.data).join('').trim();
    const wordsOf = (element) => {
        if (element.matches('.missing')) {
            return element.textContent.split(/[：:/]/).map((word) => word.trim()).filter(Boolean);
        }
        return [element.matches('th') ? ownText(element) : element.textContent.trim()];
    };
    const cut = (element, word) => {
        const text = [...element.childNodes]
            .find((node) => node.nodeType === Node.TEXT_NODE && node.data.includes(word));
        const range = document.createRange();
        if (text) {
            range.setStart(text, text.data.indexOf(word));
            range.setEnd(text, text.data.indexOf(word) + word.length);
        } else {
            range.selectNodeContents(element);
        }
        const rects = [...range.getClientRects()].filter((rect) => rect.width > 0);
        const height = Math.max(...rects.map((rect) => rect.height));
        const top = Math.min(...rects.map((rect) => rect.top));
        const bottom = Math.max(...rects.map((rect) => rect.bottom));
        return bottom - top > 1.5 * height;
    };
    const words = [...document.querySelectorAll(
        `${table} .rate, ${table} .fraction, ${table} .missing, ${table} th, ${table} td.number > a`
    )].flatMap((element) => wordsOf(element).map((word) => [element, word]));
    return words.filter(([element, word]) => cut(element, word)).map(([, word]) => word);
}"""


def weeks_ago(weeks: float) -> datetime:
    return timezone.now() - timedelta(weeks=weeks)


def filed(district, *, at: datetime, by=None, enterprise=None, category=None, title: str) -> Case:
    with time_machine.travel(at, tick=False):
        case = services.case_file(
            acting_user=by or district.alice,
            enterprise=enterprise or district.yixin,
            category=category or district.infrastructure,
            title=title,
            description=f"{title}，影响正常生产。",
        )
        if case.assignee_id is None:
            case = services.case_assign(
                case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce
            )
        return case


def overdue_pair(district) -> tuple[Case, Case]:
    road = filed(district, at=weeks_ago(3), title="园区专用电力线缆需增容")
    loan = filed(
        district,
        at=weeks_ago(3),
        by=district.bob,
        enterprise=district.hongda,
        category=district.financing,
        title="技改贷款贴息迟迟未到账",
    )
    return road, loan


def test_it_lets_sam_filter_the_overdue_board_by_unit_and_urge_a_case_to_duban(district, browser_page):
    road, loan = overdue_pair(district)
    page = browser_page
    log_in(page, "sam")
    page.goto("/supervision/overdue/")
    expect(page.get_by_role("heading", name="逾期诉求", exact=True)).to_be_visible()
    expect(page.get_by_text("逾期诉求共 2 件")).to_be_visible()
    expect(page.get_by_role("link", name=loan.number)).to_be_visible()

    page.get_by_label("责任单位").select_option(label="工业和信息化局")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page.get_by_text("逾期诉求共 1 件")).to_be_visible()
    expect(page.get_by_role("link", name=road.number)).to_be_visible()
    expect(page.get_by_role("link", name=loan.number)).to_have_count(0)

    row = page.locator(f"#case-{road.pk}")
    row.get_by_text(f"督办 {road.number}").click()
    row.get_by_label("督办级别").select_option(label="督办")
    row.get_by_label("说明").fill("逾期已超过一周，请说明原因并加快办理。")
    row.get_by_label("限期答复日期").fill((timezone.localdate() + timedelta(days=7)).isoformat())
    row.get_by_role("button", name="保存督办级别").click()

    expect(page.get_by_text(f"{road.number}：督办级别已调整为“督办”。")).to_be_visible()
    expect(page.locator(f"#case-{road.pk} .level")).to_have_text("督办")
    expect(page.get_by_label("责任单位")).to_have_value(str(district.industry.pk))
    road.refresh_from_db()
    assert road.urging_level == UrgingLevel.SUPERVISED
    screenshot(page, "overdue-board")

    page.set_viewport_size(PHONE)
    page.goto("/supervision/overdue/")
    expect(page.get_by_role("link", name=road.number)).to_be_visible()
    screenshot(page, "overdue-board-phone")


def test_it_lets_sam_approve_an_extension(district, browser_page):
    case = filed(district, at=weeks_ago(0.5), title="地上物迁移需协调林业部门")
    due_date = timezone.localtime(case.resolution_due_at).date() + timedelta(days=14)
    while due_date.weekday() >= 5:
        due_date += timedelta(days=1)
    services.extension_request_create(
        case=case, acting_user=district.carol, requested_due_date=due_date, reason="需林业部门审批树木迁移。"
    )
    page = browser_page
    log_in(page, "sam")
    page.goto("/supervision/extensions/")
    expect(page.get_by_text("1 件延期申请待您审批")).to_be_visible()
    screenshot(page, "extensions")

    page.get_by_label("说明").fill("同意延期，请按新时限办结。")
    page.get_by_role("button", name="批准").click()

    expect(page.get_by_text(f"已批准 {case.number} 的延期申请。")).to_be_visible()
    expect(page.get_by_text("没有待您审批的延期申请。")).to_be_visible()
    expect(page.get_by_role("cell", name="已批准")).to_be_visible()
    case.refresh_from_db()
    assert timezone.localtime(case.resolution_due_at).date() == due_date


def test_it_shows_sam_the_rankings_bars_and_the_cases_behind_a_figure(district, browser_page):
    overdue_pair(district)
    closed = filed(district, at=timezone.now() - timedelta(hours=2), title="厂区道路破损")
    closed = services.case_resolve(
        case=closed, acting_user=district.carol, resolution_type=ResolutionType.SOLVED, reply="已修复。"
    )
    closed = services.case_close(case=closed, acting_user=district.alice, satisfaction=5)
    page = browser_page
    page.set_viewport_size(DESKTOP)
    log_in(page, "sam")
    page.goto("/supervision/rates/")
    expect(page.get_by_role("heading", name="各单位综合得分")).to_be_visible()
    expect(page.locator("svg .chart__bar")).not_to_have_count(0)
    expect(page.locator("svg .chart__label", has_text="工业和信息化局")).to_be_visible()
    expect(page.locator(".weeks-table tbody td")).to_have_count(12)
    expect(page.locator(".rates-table .missing", has_text="无数据")).not_to_have_count(0)
    expect(page.locator(".rates-table .rate", has_text="—")).not_to_have_count(0)
    assert page.evaluate(HORIZONTAL_OVERFLOW, ".table-wrap") == 0
    assert page.evaluate(WRAPPED_WORDS) == []
    screenshot(page, "rankings")

    page.locator(f'a[href*="metric=satisfaction&part=numerator&unit={district.industry.pk}"]').first.click()
    expect(page.get_by_role("heading", name="满意率 · 分子")).to_be_visible()
    expect(page.get_by_role("link", name=closed.number)).to_be_visible()
    expect(page.get_by_text("计入 1 条")).to_be_visible()
    screenshot(page, "rankings-drill-down")

    page.set_viewport_size(PHONE)
    page.goto("/supervision/rates/")
    expect(page.locator('.rates-table td[data-label="满意率"] .rate', has_text="100.0%")).to_be_visible()
    assert page.evaluate(HORIZONTAL_OVERFLOW, ".table-wrap:has(.rates-table)") == 0
    screenshot(page, "rankings-phone")


def test_it_shows_leo_a_listed_case_on_his_board(district, browser_page):
    road, _loan = overdue_pair(district)
    services.case_urge(
        case=road,
        acting_user=district.sam,
        level=UrgingLevel.LISTED,
        note="挂牌督办，请包保领导协调。",
        answer_due_at=timezone.now() + timedelta(days=3),
    )
    page = browser_page
    log_in(page, "leo")
    page.goto("/leader/board/")
    expect(page.get_by_text("挂牌督办诉求 1 件")).to_be_visible()
    listed = page.locator("section", has=page.locator("#listed-title"))
    expect(listed.get_by_role("link", name=road.number)).to_be_visible()
    expect(listed.get_by_text("督办级别变更 · 孙明")).to_be_visible()
    served = page.locator("section", has=page.locator("#served-title"))
    expect(served.get_by_role("heading", name="亿鑫化工有限公司")).to_be_visible()
    screenshot(page, "leader-board")
