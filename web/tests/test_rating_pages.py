"""The rectification, appeal and ledger pages through the Django test client.

Thursday 19 November 2026, 10:00 Beijing time, is "now"; the ratings were given on Monday 16 November.
Yixin's cases go to carol of the Industry Bureau, headed by hank; sam supervises the district.
"""

from datetime import datetime

import pytest
import time_machine

from supervision.ledger.models import LedgerExport
from supervision.ratings import services as rating_services
from supervision.ratings.models import Appeal, AppealState, Rectification, RectificationState
from supervision.tests.helpers import rated_case
from workflow.workdays import SHANGHAI

from .helpers import flashed, signed_in

NOW = datetime(2026, 11, 19, 10, 0, tzinfo=SHANGHAI)
RATED = datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)
RECTIFICATIONS = "/supervision/rectifications/"
APPEALS = "/supervision/appeals/"
LEDGER = "/supervision/ledger/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def bad_rating(district, satisfaction: int = 1) -> Rectification:
    case = rated_case(district, satisfaction, RATED)
    return Rectification.objects.get(case=case)


def action_url(rectification: Rectification, action: str) -> str:
    return f"{RECTIFICATIONS}{rectification.pk}/{action}/"


def test_it_lists_a_rectification_with_its_deadline_and_offers_the_unit_its_report(district):
    rectification = bad_rating(district)

    page = signed_in(district.hank, "en").get(RECTIFICATIONS).content.decode()

    row = page[page.index(f'id="rectification-{rectification.pk}"') :]
    assert rectification.case.number in row and "工业和信息化局" in row
    assert "Very dissatisfied" in row and "Open" in row
    assert "working days left" in row
    assert "Report what was done" in row and "Appeal the rating" in row
    assert "Accept the rectification" not in row


def test_it_lets_hank_report_and_sam_accept(district):
    rectification = bad_rating(district)

    reported = signed_in(district.hank, "en").post(
        action_url(rectification, "submit"), {"report": "已约谈承办人，重新上门核实并解决。"}
    )
    assert reported.status_code == 302
    assert flashed(reported) == ["Your report was sent to the supervisors."]
    sam_page = signed_in(district.sam, "en").get(RECTIFICATIONS).content.decode()
    assert "已约谈承办人，重新上门核实并解决。" in sam_page and "Accept the rectification" in sam_page

    accepted = signed_in(district.sam, "en").post(action_url(rectification, "accept"), {"note": "整改到位。"})

    assert flashed(accepted) == ["The rectification was accepted."]
    rectification.refresh_from_db()
    assert rectification.state == RectificationState.ACCEPTED


def test_it_keeps_an_empty_report_beside_its_field(district):
    rectification = bad_rating(district)

    response = signed_in(district.hank, "en").post(action_url(rectification, "submit"), {"report": ""})

    assert response.status_code == 400
    assert 'id="submit-' in response.content.decode() and "This field is required." in response.content.decode()
    rectification.refresh_from_db()
    assert rectification.state == RectificationState.OPEN


def test_it_shows_why_the_server_refused_an_acceptance(district):
    rectification = bad_rating(district)
    rating_services.rectification_submit(rectification=rectification, acting_user=district.hank, report="已整改。")

    response = signed_in(district.hank, "en").post(action_url(rectification, "accept"), {"note": ""})

    assert flashed(response) == ["Only a supervisor whose jurisdiction covers the unit can accept a rectification."]
    rectification.refresh_from_db()
    assert rectification.state == RectificationState.SUBMITTED


def test_it_files_an_appeal_from_the_row_and_sam_upholds_it(district):
    rectification = bad_rating(district)

    filed = signed_in(district.hank, "en").post(
        "/supervision/appeals/new/",
        {
            "case": rectification.case_id,
            "kind": "malicious",
            "reason": "企业因其他纠纷恶意差评。",
            "next": RECTIFICATIONS,
        },
    )
    assert filed.status_code == 302 and filed["Location"] == APPEALS
    appeal = Appeal.objects.get()
    hank_page = signed_in(district.hank, "en").get(RECTIFICATIONS).content.decode()
    assert "Appeal the rating" not in hank_page

    sam_page = signed_in(district.sam, "en").get(APPEALS).content.decode()
    assert "Malicious rating (恶意差评)" in sam_page and "Uphold" in sam_page
    decided = signed_in(district.sam, "en").post(
        f"{APPEALS}{appeal.pk}/decide/", {"decision": "uphold", "note": "经核实属恶意差评。"}
    )

    assert flashed(decided) == [f"The appeal of {rectification.case.number} was upheld: the rating no longer counts."]
    appeal.refresh_from_db()
    rectification.refresh_from_db()
    assert appeal.state == AppealState.UPHELD and rectification.state == RectificationState.CANCELLED


def test_it_offers_no_appeal_to_a_supervisor_and_refuses_a_decision_without_a_note(district):
    rectification = bad_rating(district)
    appeal = rating_services.appeal_file(
        case=rectification.case, acting_user=district.carol, kind="mistaken", reason="企业误评。"
    )

    assert "Appeal the rating" not in signed_in(district.sam, "en").get(RECTIFICATIONS).content.decode()
    refused = signed_in(district.sam, "en").post(f"{APPEALS}{appeal.pk}/decide/", {"decision": "reject", "note": ""})

    assert flashed(refused) == ["This field is required."]
    appeal.refresh_from_db()
    assert appeal.state == AppealState.PENDING


def test_it_shows_dave_and_the_enterprise_nothing_of_the_industry_bureaus_rectification(district):
    rectification = bad_rating(district)

    assert rectification.case.number not in signed_in(district.dave).get(RECTIFICATIONS).content.decode()
    assert signed_in(district.dave).post(action_url(rectification, "submit"), {"report": "x"}).status_code == 404
    assert signed_in(district.alice).get(RECTIFICATIONS).status_code == 403


def test_it_offers_the_rectifications_in_the_menu_to_supervisors_heads_and_cadres(district):
    assert 'href="/supervision/rectifications/"' in signed_in(district.hank).get(LEDGER).content.decode()
    assert 'href="/supervision/rectifications/"' in signed_in(district.sam).get(LEDGER).content.decode()
    assert 'href="/supervision/rectifications/"' not in signed_in(district.dora).get(LEDGER).content.decode()


def test_it_reads_the_rectifications_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    bad_rating(district)
    client = signed_in(district.hank)
    client.get(RECTIFICATIONS)
    with django_assert_num_queries(7):
        assert client.get(RECTIFICATIONS).status_code == 200
    for _ in range(4):
        bad_rating(district, satisfaction=2)
    with django_assert_num_queries(7):
        assert client.get(RECTIFICATIONS).status_code == 200


def test_it_reads_no_appeal_for_a_supervisor_who_answers_for_no_case(district, django_assert_num_queries):
    for satisfaction in (1, 2, 2):
        bad_rating(district, satisfaction=satisfaction)
    client = signed_in(district.sam, "en")
    client.get(RECTIFICATIONS)

    with django_assert_num_queries(6):
        page = client.get(RECTIFICATIONS).content.decode()

    assert page.count('id="rectification-') == 3 and "3 rectifications" in page
    assert "Appeal the rating" not in page


def test_it_reads_the_appeals_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    def appealed():
        rectification = bad_rating(district)
        rating_services.appeal_file(
            case=rectification.case, acting_user=district.hank, kind="mistaken", reason="误评。"
        )

    appealed()
    client = signed_in(district.sam)
    client.get(APPEALS)
    with django_assert_num_queries(6):
        assert client.get(APPEALS).status_code == 200
    for _ in range(4):
        appealed()
    with django_assert_num_queries(6):
        assert client.get(APPEALS).status_code == 200


# --- the ledger ---------------------------------------------------------------------------------------------


def test_it_requests_the_ledger_with_the_chosen_filters_and_lists_the_download(
    district, django_capture_on_commit_callbacks
):
    rated_case(district, 5, RATED)
    client = signed_in(district.sam, "en")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LEDGER, {"state": ["closed"], "unit": district.industry.pk, "filed_from": "2026-11-01"})

    assert response.status_code == 302
    job = LedgerExport.objects.get()
    assert job.filters == {
        "state": ["closed"],
        "unit": district.industry.pk,
        "filed_after": "2026-11-01T00:00:00+08:00",
    }
    page = client.get(LEDGER).content.decode()
    assert f'href="/api/v1/supervision/ledger/{job.pk}/download/"' in page
    assert f'id="ledger-job-{job.pk}"' in page and "Done" in page


def test_it_refuses_a_ledger_filter_with_an_impossible_day(district):
    client = signed_in(district.sam, "en")

    for field, day in (("filed_from", "0001-01-01"), ("filed_to", "9999-12-31")):
        response = client.post(LEDGER, {field: day})
        assert response.status_code == 400
    assert not LedgerExport.objects.exists()


def test_it_keeps_each_ledger_job_to_its_requester_and_refuses_the_enterprise(district):
    LedgerExport.objects.create(requested_by=district.carol, language="zh-hans", expires_at=NOW)

    assert 'id="ledger-job-' not in signed_in(district.sam).get(LEDGER).content.decode()
    assert signed_in(district.alice).get(LEDGER).status_code == 403


def test_it_reads_the_ledger_page_in_a_fixed_number_of_queries(district, django_assert_num_queries):
    def job():
        LedgerExport.objects.create(requested_by=district.sam, language="zh-hans", expires_at=NOW)

    job()
    client = signed_in(district.sam)
    client.get(LEDGER)
    with django_assert_num_queries(8):
        assert client.get(LEDGER).status_code == 200
    for _ in range(5):
        job()
    with django_assert_num_queries(8):
        assert client.get(LEDGER).status_code == 200
