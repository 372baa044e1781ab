"""Pausing a case's deadline (挂起) in a real browser, in Chinese: the cadre asks for material and the deadline
stops, the enterprise reads what is asked (not why) and uploads it, and the deadline runs again."""

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from workflow.models import ClockPause, PauseEnd, PauseState
from workflow.selectors import work_calendar
from workflow.tests.helpers import assigned_case

from .conftest import log_in, screenshot
from .test_journey import switch_user

NEEDED = "请补充提供消防设计审查意见书及竣工图纸。"
REASON = "缺少审查意见书，无法报住建局联审。"


def test_it_pauses_the_deadline_until_the_enterprise_uploads_the_material(district, browser_page, tmp_path):
    case = assigned_case(district)
    calendar = work_calendar()
    expected = calendar.local_date(calendar.add_workdays(timezone.now(), 3).due_at)
    drawings = tmp_path / "竣工图纸.pdf"
    drawings.write_bytes(b"%PDF-1.4 drawings")
    page = browser_page

    log_in(page, "carol")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_text("等待补正材料，挂起时限").click()
    page.get_by_label("需要企业补充什么？").fill(NEEDED)
    page.get_by_label("预计补正日期").fill(expected.isoformat())
    page.get_by_label("挂起理由（仅政府人员可见）").fill(REASON)
    page.get_by_role("button", name="挂起时限", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("办结时限已挂起")
    expect(page.get_by_role("region", name="等待企业补正材料（挂起）")).to_contain_text(NEEDED)
    expect(page.get_by_role("region", name="时限挂起记录")).to_contain_text(REASON)
    screenshot(page, "pause-cadre")
    page.goto("/queue/")
    expect(page.locator(f"#queue-case-{case.pk}")).to_contain_text("挂起至")

    switch_user(page, "alice")
    page.goto(f"/cases/{case.pk}/")
    request = page.get_by_role("region", name="待您补正材料")
    expect(request).to_contain_text(NEEDED)
    expect(request).to_contain_text(f"预计 {expected:%Y-%m-%d} 前补正")
    expect(page.get_by_text(REASON)).to_have_count(0)
    screenshot(page, "pause-enterprise")
    page.get_by_label("文件").set_input_files(str(drawings))
    page.get_by_role("button", name="上传附件").click()
    expect(page.locator(".message--success")).to_contain_text("附件已上传")
    expect(page.get_by_role("region", name="待您补正材料")).to_have_count(0)
    expect(page.get_by_role("link", name="竣工图纸.pdf")).to_be_visible()

    pause = ClockPause.objects.get(case=case)
    assert (pause.state, pause.ended_how) == (PauseState.ENDED, PauseEnd.ENTERPRISE_UPLOAD)
    resumed = Case.objects.get(pk=case.pk)
    assert resumed.paused_until is None and resumed.resolution_due_at is not None

    switch_user(page, "carol")
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("region", name="时限挂起记录")).to_contain_text("企业已上传材料")
    expect(page.get_by_role("button", name="恢复计时")).to_have_count(0)
