"""The re-check (复查) pages through the Django test client: the samples with their counts, drawing last
month's sample, and recording a re-check per drawn case.

Cases of Hongda are routed by dora to dave (Commerce Bureau) and closed in October 2026; Yixin's go to carol
(Industry Bureau). Saturday 21 November 2026, 10:00 Beijing time, is "now".
"""

from datetime import datetime

import pytest
import time_machine

from cases.models import Case, CaseState
from supervision.rechecks.models import RecheckItem, RecheckSample
from supervision.rechecks.sampling import month_parse
from supervision.rechecks.services import recheck_sample_draw
from workflow import services
from workflow.workdays import SHANGHAI

from .helpers import flashed, signed_in

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)
RECHECKS = "/supervision/rechecks/"


def closed_in_october(district, *, day: int, yixin: bool = False) -> Case:
    """Filed, routed, resolved and confirmed on ``day`` October."""
    with time_machine.travel(datetime(2026, 10, day, 9, 0, tzinfo=SHANGHAI), tick=False):
        case = services.case_file(
            acting_user=district.alice if yixin else district.bob,
            enterprise=district.yixin if yixin else district.hongda,
            category=district.financing,
            title=f"10月{day}日诉求",
            description="贷款材料已提交两周，尚无回复。",
        )
        cadre = district.carol if yixin else district.dave
        if case.assignee_id is None:
            case = services.case_assign(case=case, acting_user=district.dora, assignee=cadre, unit=district.commerce)
        case = services.case_resolve(case=case, acting_user=cadre, resolution_type="solved", reply="已办理。")
        return services.case_close(case=case, acting_user=district.alice if yixin else district.bob, satisfaction=5)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def drawn(district, *, rate: int = 100) -> RecheckSample:
    return recheck_sample_draw(acting_user=district.sam, period=month_parse("2026-10"), rate_percent=rate, seed=7)


def test_it_lets_sam_draw_last_months_sample_and_opens_it(district):
    cases = [closed_in_october(district, day=day) for day in (12, 13)]
    sam = signed_in(district.sam, "en")
    page = sam.get(RECHECKS).content.decode()
    assert '<option value="2026-10" selected>2026-10</option>' in page
    assert 'name="rate_percent" value="5"' in page

    response = sam.post(
        RECHECKS, {"jurisdiction": district.district.pk, "period": "2026-10", "rate_percent": "100", "seed": "42"}
    )

    sample = RecheckSample.objects.get()
    assert response.status_code == 302 and response.url == f"{RECHECKS}{sample.pk}/"
    assert "The sample is drawn. Record each re-check as it is made." in flashed(response)
    assert (sample.period, sample.seed, sample.population_size) == ("2026-10", 42, 2)
    detail = sam.get(response.url).content.decode()
    for case in cases:
        assert f'href="/cases/{case.pk}/"' in detail
    assert detail.count("Record the re-check of") == 2
    listed = sam.get(RECHECKS).content.decode()
    assert f'<a href="{RECHECKS}{sample.pk}/">2026-10</a>' in listed
    assert 'data-label="Pending" class="number">2<' in listed


def test_it_refuses_a_second_draw_of_the_month_with_the_services_message(district):
    closed_in_october(district, day=12)
    drawn(district)
    response = signed_in(district.sam, "en").post(
        RECHECKS, {"jurisdiction": district.district.pk, "period": "2026-10", "rate_percent": "5"}
    )
    assert response.status_code == 302 and response.url == RECHECKS
    assert any("was already drawn; there is one per month" in message for message in flashed(response))
    assert RecheckSample.objects.count() == 1


def test_it_shows_a_bad_rate_again_beside_its_field(district):
    response = signed_in(district.sam, "en").post(
        RECHECKS, {"jurisdiction": district.district.pk, "period": "2026-10", "rate_percent": "0"}
    )
    assert response.status_code == 400
    assert 'id="id_rate_percent_error">Ensure this value is greater than or equal to 1.' in response.content.decode()


def test_it_records_a_passed_re_check_and_shows_it_in_place_of_the_form(district):
    case = closed_in_october(district, day=12)
    sample = drawn(district)
    item = sample.items.get()
    sam = signed_in(district.sam, "en")
    url = f"{RECHECKS}{sample.pk}/items/{item.pk}/record/"
    prefix = f"item-{item.pk}"

    response = sam.post(
        url, {f"{prefix}-method": "phone", f"{prefix}-result": "passed", f"{prefix}-note": "企业确认已解决。"}
    )

    assert f"The re-check of {case.number} is recorded." in flashed(response)
    item.refresh_from_db()
    assert (item.method, item.result, item.checked_by) == ("phone", "passed", district.sam)
    page = sam.get(f"{RECHECKS}{sample.pk}/").content.decode()
    assert "Passed: the problem is solved" in page and "企业确认已解决。" in page
    assert "Record the re-check of" not in page
    assert "0 pending · 1 passed · 0 failed" in page


def test_it_refuses_a_failed_re_check_without_a_note_and_shows_a_missing_result_beside_its_field(district):
    case = closed_in_october(district, day=12)
    sample = drawn(district)
    item = sample.items.get()
    sam = signed_in(district.sam, "en")
    url = f"{RECHECKS}{sample.pk}/items/{item.pk}/record/"
    prefix = f"item-{item.pk}"

    missing = sam.post(url, {f"{prefix}-method": "visit"})
    assert missing.status_code == 400
    assert f'id="id_{prefix}-result_error">This field is required.' in missing.content.decode()

    refused = sam.post(url, {f"{prefix}-method": "visit", f"{prefix}-result": "failed", f"{prefix}-note": ""})
    assert "Say what the re-check found." in flashed(refused)
    assert not RecheckItem.objects.filter(pk=item.pk).exclude(result="").exists()

    sam.post(url, {f"{prefix}-method": "visit", f"{prefix}-result": "failed", f"{prefix}-note": "问题仍未解决。"})
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED


def test_it_shows_leo_the_samples_without_forms_and_refuses_carol(district):
    closed_in_october(district, day=12)
    sample = drawn(district)
    leo = signed_in(district.leo, "en")
    listed = leo.get(RECHECKS).content.decode()
    assert f'href="{RECHECKS}{sample.pk}/"' in listed and 'name="rate_percent"' not in listed
    assert "Record the re-check of" not in leo.get(f"{RECHECKS}{sample.pk}/").content.decode()
    drawing = leo.post(RECHECKS, {"jurisdiction": district.district.pk, "period": "2026-09", "rate_percent": "5"})
    assert drawing.status_code == 403 and "Only supervisors draw re-check samples." in drawing.content.decode()
    refused = signed_in(district.carol, "en").get(RECHECKS)
    assert refused.status_code == 403
    assert "Only supervisors and leaders can see re-checks." in refused.content.decode()
    assert signed_in(district.otto).get(f"{RECHECKS}{sample.pk}/").status_code == 404


def test_it_puts_re_checks_in_the_supervisors_menu_only(district):
    assert f'href="{RECHECKS}"' in signed_in(district.sam).get(RECHECKS).content.decode()
    assert f'href="{RECHECKS}"' not in signed_in(district.leo).get("/supervision/meetings/").content.decode()


def test_it_reads_the_samples_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    closed_in_october(district, day=12)
    drawn(district)
    sam = signed_in(district.sam)
    sam.get(RECHECKS)
    with django_assert_num_queries(7):
        sam.get(RECHECKS)
    with time_machine.travel(datetime(2026, 9, 14, 9, 0, tzinfo=SHANGHAI), tick=False):
        for unit in (district.commerce, district.industry):
            case = services.case_file(
                acting_user=district.bob,
                enterprise=district.hongda,
                category=district.financing,
                title="9月诉求",
                description="已办理。",
            )
            cadre = district.dave if unit == district.commerce else district.carol
            case = services.case_assign(case=case, acting_user=district.dora, assignee=cadre, unit=unit)
            case = services.case_resolve(case=case, acting_user=cadre, resolution_type="solved", reply="已办理。")
            services.case_close(case=case, acting_user=district.bob, satisfaction=5)
    recheck_sample_draw(acting_user=district.sam, period=month_parse("2026-09"), seed=1)
    with django_assert_num_queries(7):
        response = sam.get(RECHECKS)
    assert response.content.decode().count('<tr id="sample-') == 2


def test_it_reads_a_sample_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    closed_in_october(district, day=12)
    closed_in_october(district, day=13, yixin=True)
    small = drawn(district, rate=1)
    sam = signed_in(district.sam)
    sam.get(f"{RECHECKS}{small.pk}/")
    with django_assert_num_queries(7):
        sam.get(f"{RECHECKS}{small.pk}/")
    RecheckSample.objects.all().delete()
    for day in (14, 15, 16, 19):
        closed_in_october(district, day=day, yixin=day % 2 == 0)
    large = drawn(district)
    with django_assert_num_queries(7):
        response = sam.get(f"{RECHECKS}{large.pk}/")
    assert response.content.decode().count('<tr id="item-') == 6
