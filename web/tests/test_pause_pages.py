"""Pausing a case's deadline (挂起) on the pages: the cadre's forms on the case page, what the enterprise reads, the
queue and the enterprise's list, the supervisor's desk for pauses beyond the limits, and the overdue board.

Wednesday 18 November 2026, 10:00 Beijing time, is "now". Alice's cases go to carol (Industry Bureau) when filed
on Monday 16 at 09:00, due Wednesday 25 at 17:30.
"""

import re
from datetime import date, datetime

import pytest
import time_machine

from cases.models import Case
from workflow import services
from workflow.models import ClockPause, PauseState
from workflow.tests.helpers import assigned_case, reload
from workflow.workdays import SHANGHAI

from .helpers import case_url, flashed, signed_in

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
NEEDED = "请补充提供消防设计审查意见书。"
REASON = "缺少审查意见书无法报住建局。"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def filed_on_monday(district, title: str = "厂房消防验收") -> Case:
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI), tick=False):
        case = assigned_case(district)
    Case.objects.filter(pk=case.pk).update(title=title)
    return reload(case)


def paused(district, case: Case, expected_date: date = date(2026, 11, 24)) -> Case:
    services.case_pause(
        case=case, acting_user=district.carol, needed=NEEDED, reason=REASON, expected_date=expected_date
    )
    return reload(case)


def pause_form(case: Case, expected_date: str = "2026-11-24") -> dict:
    return {
        "pause-version": case.version,
        "pause-needed": NEEDED,
        "pause-expected_date": expected_date,
        "pause-reason": REASON,
    }


def test_it_offers_the_cadre_the_pause_and_pauses_the_deadline(district):
    case = filed_on_monday(district)
    carol = signed_in(district.carol, "en")
    page = carol.get(case_url(case)).content.decode()
    assert f'action="/cases/{case.pk}/pause/"' in page
    assert "Up to 2 pauses and 10 working days in all at once" in page
    assert f'action="/cases/{case.pk}/extension/"' in page
    assert (
        f'action="/cases/{case.pk}/pause/"' not in signed_in(district.hank, "en").get(case_url(case)).content.decode()
    )

    response = carol.post(case_url(case, "pause"), pause_form(case))

    assert response.status_code == 302
    assert flashed(response)[0].startswith("Done. Within the limits the deadline is paused")
    fresh = reload(case)
    assert (fresh.paused_until, fresh.resolution_due_at) == (datetime(2026, 11, 24, 17, 30, tzinfo=SHANGHAI), None)
    page = carol.get(case_url(case)).content.decode()
    assert 'class="state state--paused"' in page
    assert "Waiting for the enterprise (挂起)" in page and NEEDED in page
    assert REASON in page  # the pause history, officials only
    assert f'action="/cases/{case.pk}/resume/"' in page
    assert f'action="/cases/{case.pk}/pause/"' not in page
    assert f'action="/cases/{case.pk}/extension/"' not in page  # a paused clock has no deadline to extend
    assert page.count('<span class="states">') == 1  # the paused badge stays beside the state in the head


def test_it_shows_a_wrong_expected_date_beside_the_form(district):
    case = filed_on_monday(district)

    response = signed_in(district.carol, "en").post(case_url(case, "pause"), pause_form(case, "2026-11-21"))

    assert response.status_code == 302
    assert "Choose a working day after today." in flashed(response)
    assert reload(case).paused_until is None


def test_it_shows_the_enterprise_what_is_asked_and_until_when_but_not_why(district):
    case = paused(district, filed_on_monday(district))

    page = signed_in(district.alice, "en").get(case_url(case)).content.decode()
    listing = signed_in(district.alice, "en").get("/my/cases/").content.decode()

    assert "Waiting for your material" in page and NEEDED in page
    assert "Expected by 2026-11-24." in page
    assert "the deadline runs again as soon as you do" in page
    assert REASON not in page and "Pauses of the deadline" not in page
    assert f'action="/cases/{case.pk}/resume/"' not in page
    assert "Waiting for your material" in listing and "paused until 2026-11-24 17:30" in listing


def test_it_resumes_from_the_case_page_and_when_the_enterprise_replies(district):
    first = paused(district, filed_on_monday(district))
    second = paused(district, filed_on_monday(district, "污水管网接入"))

    resumed = signed_in(district.carol, "en").post(case_url(first, "resume"), {"resume-version": first.version})
    replied = signed_in(district.alice, "en").post(case_url(second, "comment"), {"comment-body": "审查意见书已上传。"})

    assert resumed.status_code == replied.status_code == 302
    assert flashed(resumed) == ["The deadline runs again."]
    assert reload(first).paused_until is None and reload(first).resolution_due_at is not None
    assert reload(second).paused_until is None


def test_it_shows_paused_in_the_queue_without_a_deadline(district):
    case = paused(district, filed_on_monday(district))

    page = signed_in(district.carol, "en").get("/queue/").content.decode()

    row = page[page.index(f'id="queue-case-{case.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'class="state state--paused"' in row and "Paused until 2026-11-24 17:30" in row
    assert "working days left" not in row.split("Paused until")[1]


def test_it_lets_a_supervisor_decide_a_pause_beyond_the_limits_on_the_desk(district):
    case = paused(district, filed_on_monday(district), date(2026, 12, 4))  # 12 working days: a request
    pause = ClockPause.objects.get(case=case)
    assert pause.state == PauseState.REQUESTED
    sam = signed_in(district.sam, "en")
    page = sam.get("/supervision/extensions/").content.decode()
    assert "1 pause beyond the limits waits for your decision" in page
    assert f'action="/supervision/pauses/{pause.pk}/decide/"' in page and REASON in page
    assert (
        f"/supervision/pauses/{pause.pk}/decide/"
        not in signed_in(district.hank, "en").get("/supervision/extensions/").content.decode()
    )

    response = sam.post(f"/supervision/pauses/{pause.pk}/decide/", {"decision": "approve", "note": "同意挂起。"})

    assert response.status_code == 302
    assert flashed(response) == [f"Pause of {case.number} approved."]
    assert reload(case).paused_until == datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI)
    after = sam.get("/supervision/extensions/").content.decode()
    assert "No pause waits for your decision." in after and "同意挂起。" in after
    assert (
        signed_in(district.otto).post(f"/supervision/pauses/{pause.pk}/decide/", {"decision": "reject"}).status_code
        == 404
    )


def test_it_lists_paused_cases_beside_the_overdue_ones_not_among_them(district):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        late = assigned_case(district)  # due Wednesday 11
    waiting = paused(district, filed_on_monday(district))

    page = signed_in(district.sam, "en").get("/supervision/overdue/").content.decode()

    assert f'id="case-{late.pk}"' in page and f'id="case-{waiting.pk}"' not in page
    assert "1 overdue case" in page
    assert "1 case paused (挂起)" in page and f'id="paused-{waiting.pk}"' in page


def test_it_reads_the_board_and_the_desk_in_a_fixed_number_of_queries_with_pauses(district, django_assert_num_queries):
    def more(count: int) -> None:
        for number in range(count):
            paused(district, filed_on_monday(district, f"挂起{number}"))
            paused(district, filed_on_monday(district, f"待批{number}"), date(2026, 12, 4))

    more(1)
    sam = signed_in(district.sam)
    sam.get("/supervision/overdue/")
    sam.get("/supervision/extensions/")
    with django_assert_num_queries(10):
        sam.get("/supervision/overdue/")
    with django_assert_num_queries(10):
        sam.get("/supervision/extensions/")
    more(3)
    with django_assert_num_queries(10):
        board = sam.get("/supervision/overdue/").content.decode()
    with django_assert_num_queries(10):
        desk = sam.get("/supervision/extensions/").content.decode()
    assert len(re.findall(r'<tr id="paused-\d+"', board)) == len(re.findall(r'<tr id="pause-\d+"', desk)) == 4


@pytest.mark.parametrize("count", [1, 5])
def test_it_lists_paused_cases_in_the_queue_and_my_cases_in_as_many_queries(district, django_assert_num_queries, count):
    for number in range(count):
        paused(district, filed_on_monday(district, f"挂起{number}"))
    carol, alice = signed_in(district.carol), signed_in(district.alice)
    # As many as without pauses (web/tests/test_queue.py, test_enterprise_pages.py): the pause is a column of
    # the case row. The enterprise's list counts no deadline of a paused case, so it reads no calendar.
    with django_assert_num_queries(6):
        queue = carol.get("/queue/").content.decode()
    with django_assert_num_queries(6):
        mine = alice.get("/my/cases/").content.decode()
    assert queue.count('class="state state--paused"') == mine.count('class="state state--paused"') == count


def test_it_offers_the_ledger_of_paused_cases(district):
    paused(district, filed_on_monday(district))

    page = signed_in(district.sam, "en").get("/supervision/ledger/?paused=on").content.decode()

    assert 'name="paused"' in page and "Paused only (挂起)" in page
