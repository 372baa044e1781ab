"""并单 and 共性问题 in the browser, in Chinese: dora sees that alice filed the same road twice and merges the
duplicate from the case page; then she raises alice's and bob's look-alike cases into one common problem of the
Industry Bureau, whose head hank answers it once; alice reads the answer on her case. Screenshots of each page.
"""

from playwright.sync_api import expect

from cases.models import Case, CaseState, Closure
from supervision.common_problems.models import CommonProblem, CommonProblemState
from workflow import services

from .conftest import log_in, screenshot


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def road_case(district, user, enterprise, title: str) -> Case:
    case = services.case_file(
        acting_user=user,
        enterprise=enterprise,
        category=district.infrastructure,
        title=title,
        description="运输车辆无法通行，影响正常出货。",
    )
    if case.assignee_id is None:
        case = services.case_assign(
            case=case, acting_user=district.dora, assignee=district.dave, unit=district.commerce
        )
    return case


def test_it_merges_a_duplicate_and_answers_a_common_problem_once(district, browser_page):
    kept = road_case(district, district.alice, district.yixin, "园区道路破损")
    duplicate = road_case(district, district.alice, district.yixin, "园区道路破损严重")
    hongda = road_case(district, district.bob, district.hongda, "园区道路破损")
    page = browser_page

    log_in(page, "dora")
    page.goto(f"/cases/{duplicate.pk}/")
    similar = page.locator("#similar-cases")
    expect(similar.locator(f"#similar-{kept.pk}")).to_contain_text("同一企业")
    expect(similar.locator(f"#similar-{hongda.pk}")).to_be_visible()
    screenshot(page, "common-problems-similar-cases")
    similar.get_by_role("button", name=f"将本诉求并入 {kept.number}（并单）").click()
    expect(page.locator(".message--success")).to_contain_text("已并单")
    expect(page.get_by_role("link", name=f"{kept.number} {kept.title}")).to_be_visible()
    merged = Case.objects.get(pk=duplicate.pk)
    assert (merged.closure, merged.merged_into_id) == (Closure.DUPLICATE, kept.pk)

    page.goto(f"/cases/{kept.pk}/")
    page.locator("#similar-cases").get_by_role("link", name="以这些诉求提出共性问题").click()
    page.get_by_label("标题").fill("园区道路统一修缮")
    page.get_by_label("问题描述").fill("多家企业反映园区道路破损，需统一修缮。")
    page.get_by_label("责任单位").select_option(label="工业和信息化局")
    screenshot(page, "common-problems-raise")
    page.get_by_role("button", name="提出共性问题").click()
    expect(page.locator(".message--success")).to_contain_text("共性问题已提出")
    problem = CommonProblem.objects.get()
    assert sorted(problem.cases.values_list("pk", flat=True)) == sorted([kept.pk, hongda.pk])

    switch_user(page, "hank")
    page.goto(f"/supervision/common-problems/{problem.pk}/")
    page.get_by_label("办理结果").select_option(value="solved")
    page.locator("#id_answer").fill("交通局已统一修缮园区道路。")
    screenshot(page, "common-problems-answer")
    page.get_by_role("button", name="答复", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("全部关联诉求已办结")
    assert CommonProblem.objects.get().state == CommonProblemState.ANSWERED
    assert set(Case.objects.filter(pk__in=[kept.pk, hongda.pk]).values_list("state", flat=True)) == {CaseState.RESOLVED}

    switch_user(page, "alice")
    page.goto(f"/cases/{kept.pk}/")
    expect(page.get_by_text("园区道路统一修缮")).to_be_visible()
    expect(page.get_by_text("交通局已统一修缮园区道路。").first).to_be_visible()
    expect(page.get_by_text("宏达")).to_have_count(0)
    screenshot(page, "common-problems-enterprise")
