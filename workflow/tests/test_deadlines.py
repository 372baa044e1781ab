"""The clocks of a case, through the API: which deadline runs after each action, and where it lands.

Every expected deadline is counted by hand in a comment, never by the calendar
under test. The rules: a deadline of n working days ends at 17:30 (Asia/Shanghai)
of the n-th working day after the day of the action; weekends and statutory
holidays do not count, make-up days (调休) do. 2026 follows the State Council's
notice of 4 November 2025: National Day 1-7 October off, Sunday 20 September and
Saturday 10 October worked. 2027 has no official schedule yet, so its statutory
holidays are estimated (元旦 Friday 1 January; 春节 Friday 5 to Monday 8 February,
the weekend given back on Tuesday 9 and Wednesday 10) without make-up days, and its
deadlines are provisional until an administrator imports the schedule.

Monday 16 November 2026 09:00 is the usual moment of filing:
  Tue 17 (1), Wed 18 (2), Thu 19 (3), Fri 20 (4), Mon 23 (5), Tue 24 (6), Wed 25 (7),
  Thu 26 (8), Fri 27 (9), Mon 30 (10), ...
"""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from cases.models import Case, CaseState, Complexity
from workflow.models import DeadlineCycle, DeadlinePolicy
from workflow.tasks import recompute_provisional_deadlines

from .helpers import CASES_URL, act, case_url

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY_9 = at(2026, 11, 16, 9)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def file_case(district, user, **overrides) -> Case:
    """File through the API as ``user`` (alice's Yixin cases go straight to carol)."""
    body = {
        "category": district.infrastructure.pk,
        "title": "厂区道路破损",
        "description": "运输车辆无法通行，影响正常出货。",
        **overrides,
    }
    response = district.client(user).post(CASES_URL, body, format="json")
    assert response.status_code == 201, response.data
    return Case.objects.get(pk=response.data["id"])


def detail(district, user, case: Case) -> dict:
    response = district.client(user).get(case_url(case))
    assert response.status_code == 200, response.data
    return response.data


def deadlines(district, user, case: Case) -> dict:
    """The deadline fields of the case page, as ``user`` reads them."""
    body = detail(district, user, case)
    return {
        field: body[field]
        for field in (
            "response_due_at",
            "first_reply_due_at",
            "resolution_due_at",
            "confirmation_due_at",
            "deadlines_provisional",
        )
    }


def post(district, user, case: Case, action: str, body: dict | None = None) -> dict:
    response = act(district, user, case, action, body)
    assert response.status_code == 200, response.data
    return response.data


def cycles(case: Case, kind: str) -> list[DeadlineCycle]:
    return list(DeadlineCycle.objects.filter(case_id=case.pk, kind=kind).order_by("started_at", "id"))


def running(case: Case, kind: str) -> DeadlineCycle:
    return DeadlineCycle.objects.get(case_id=case.pk, kind=kind, ended_at__isnull=True)


def hongda_case(district, moment: datetime = MONDAY_9) -> Case:
    """Bob files for Hongda, which has no 包联 cadre: the case waits for the dispatcher."""
    with travel(moment):
        return file_case(district, district.bob)


class TestFiling:
    def test_it_gives_a_case_routed_to_the_serving_cadre_all_three_deadlines(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)

        assert deadlines(district, district.alice, case) == {
            "response_due_at": "2026-11-17T17:30:00+08:00",  # Tue 17: 1 working day
            "first_reply_due_at": "2026-11-19T17:30:00+08:00",  # Thu 19: 3 working days
            "resolution_due_at": "2026-11-25T17:30:00+08:00",  # Wed 25: 7 working days
            "confirmation_due_at": None,
            "deadlines_provisional": False,
        }
        response = running(case, "response")
        assert (response.responsible, response.unit, response.started_by) == (
            district.carol,
            district.industry,
            "assign",
        )
        resolution = running(case, "resolution")
        assert (resolution.responsible, resolution.unit, resolution.workdays) == (district.carol, district.industry, 7)

    def test_it_gives_a_complex_case_twenty_working_days(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice, complexity=Complexity.COMPLEX)

        # Nov 17-20 (4), Nov 23-27 (9), Nov 30-Dec 4 (14), Dec 7-11 (19), Mon Dec 14 (20).
        assert deadlines(district, district.alice, case)["resolution_due_at"] == "2026-12-14T17:30:00+08:00"
        assert running(case, "resolution").workdays == 20

    def test_it_uses_the_categorys_own_policy_over_the_default(self, district):
        DeadlinePolicy.objects.create(
            category=district.infrastructure,
            complexity=Complexity.ORDINARY,
            response_workdays=2,
            first_reply_workdays=2,
            resolution_workdays=3,
        )
        with travel(MONDAY_9):
            own = file_case(district, district.alice)
            other_category = file_case(district, district.alice, category=district.financing.pk)
            other_complexity = file_case(district, district.alice, complexity=Complexity.COMPLEX)

        assert deadlines(district, district.alice, own) == {
            "response_due_at": "2026-11-18T17:30:00+08:00",  # Wed 18: 2 working days
            "first_reply_due_at": "2026-11-18T17:30:00+08:00",  # Wed 18: 2 working days
            "resolution_due_at": "2026-11-19T17:30:00+08:00",  # Thu 19: 3 working days
            "confirmation_due_at": None,
            "deadlines_provisional": False,
        }
        # The financing group has no policy of its own: the default 1 / 3 / 7.
        assert deadlines(district, district.alice, other_category)["resolution_due_at"] == ("2026-11-25T17:30:00+08:00")
        # The infrastructure policy is for ordinary cases only: a complex one gets the default 20 days.
        assert deadlines(district, district.alice, other_complexity)["resolution_due_at"] == (
            "2026-12-14T17:30:00+08:00"
        )

    def test_it_gives_the_dispatcher_a_routing_deadline_when_no_cadre_serves_the_enterprise(self, district):
        case = hongda_case(district)

        body = detail(district, district.dora, case)
        assert body["state"] == CaseState.OPENED
        assert {key: body[key] for key in ("response_due_at", "first_reply_due_at", "resolution_due_at")} == {
            "response_due_at": "2026-11-17T17:30:00+08:00",  # routing: Tue 17, 1 working day
            "first_reply_due_at": "2026-11-19T17:30:00+08:00",  # Thu 19, 3 working days
            "resolution_due_at": None,  # nobody answers for a solution yet
        }
        routing = running(case, "routing")
        assert (routing.responsible, routing.unit, routing.started_by) == (None, None, "file")
        assert not cycles(case, "resolution")


class TestRouting:
    def test_it_starts_fresh_response_and_resolution_clocks_when_the_dispatcher_assigns(self, district):
        case = hongda_case(district)

        with travel(at(2026, 11, 17, 10)):
            post(district, district.dora, case, "assign", {"assignee": district.dave.pk, "unit": district.commerce.pk})

        assert deadlines(district, district.dora, case) == {
            "response_due_at": "2026-11-18T17:30:00+08:00",  # from Tue 17: Wed 18, 1 working day
            "first_reply_due_at": "2026-11-19T17:30:00+08:00",  # still from the filing on Monday
            # Wed 18 (1), Thu 19 (2), Fri 20 (3), Mon 23 (4), Tue 24 (5), Wed 25 (6), Thu 26 (7).
            "resolution_due_at": "2026-11-26T17:30:00+08:00",
            "confirmation_due_at": None,
            "deadlines_provisional": False,
        }
        [routing] = cycles(case, "routing")
        assert (routing.ended_at, routing.outcome, routing.breached) == (at(2026, 11, 17, 10), "met", False)
        resolution = running(case, "resolution")
        assert (resolution.responsible, resolution.unit, resolution.started_by) == (
            district.dave,
            district.commerce,
            "assign",
        )

    def test_it_uses_the_due_times_the_dispatcher_sets(self, district):
        case = hongda_case(district)

        with travel(at(2026, 11, 17, 10)):
            post(
                district,
                district.dora,
                case,
                "assign",
                {
                    "assignee": district.dave.pk,
                    "unit": district.commerce.pk,
                    "response_due_at": "2026-11-18T12:00:00+08:00",
                    "resolution_due_at": "2026-12-01T10:00:00+08:00",
                },
            )

        body = detail(district, district.dave, case)
        assert body["response_due_at"] == "2026-11-18T12:00:00+08:00"
        assert body["resolution_due_at"] == "2026-12-01T10:00:00+08:00"
        assert running(case, "resolution").due_at == at(2026, 12, 1, 10)

    def test_it_stops_the_units_clocks_and_restarts_routing_when_the_case_is_sent_back(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)

        with travel(at(2026, 11, 17, 10)):
            post(district, district.carol, case, "send-back", {"reason": "不属于本局职责。"})

        assert deadlines(district, district.dora, case) == {
            "response_due_at": "2026-11-18T17:30:00+08:00",  # routing again, from Tue 17: Wed 18
            "first_reply_due_at": "2026-11-19T17:30:00+08:00",  # the enterprise still waits for an answer
            "resolution_due_at": None,
            "confirmation_due_at": None,
            "deadlines_provisional": False,
        }
        for kind in ("response", "resolution"):
            [cycle] = cycles(case, kind)
            assert (cycle.ended_at, cycle.outcome) == (at(2026, 11, 17, 10), "sent_back"), kind
        routing = running(case, "routing")
        assert (routing.started_by, routing.due_at) == ("send-back", at(2026, 11, 18, 17, 30))

    def test_it_gives_a_fresh_response_deadline_but_keeps_the_resolution_deadline_within_one_bureau(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)
        resolution_before = running(case, "resolution")

        with travel(at(2026, 11, 18, 10)):
            post(
                district,
                district.hank,
                case,
                "reassign",
                {"assignee": district.carla.pk, "unit": district.industry_office.pk},
            )

        body = detail(district, district.carla, case)
        assert body["assignee"]["username"] == "carla"
        assert body["response_due_at"] == "2026-11-19T17:30:00+08:00"  # from Wed 18: Thu 19
        assert body["resolution_due_at"] == "2026-11-25T17:30:00+08:00"  # unchanged: Wed 25
        [first_response, second_response] = cycles(case, "response")
        assert (first_response.responsible, first_response.outcome) == (district.carol, "reassigned")
        assert (second_response.responsible, second_response.started_by) == (district.carla, "reassign")
        # The bureau's section keeps the bureau's deadline, on a clock of its own: what happened before
        # the move stays the bureau's.
        resolution = running(case, "resolution")
        assert resolution.pk != resolution_before.pk
        assert (resolution.responsible, resolution.unit, resolution.due_at) == (
            district.carla,
            district.industry_office,
            resolution_before.due_at,
        )
        resolution_before.refresh_from_db()
        assert (resolution_before.unit, resolution_before.outcome, resolution_before.breached) == (
            district.industry,
            "reassigned",
            False,
        )

    def test_it_keeps_a_breach_with_the_unit_that_held_the_case_and_gives_another_unit_a_fresh_clock(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)  # carol of the Industry Bureau, due Wednesday 25
        with travel(at(2026, 11, 27, 10)):  # two days late, the dispatcher moves it to the Commerce Bureau
            post(
                district, district.dora, case, "reassign", {"assignee": district.dave.pk, "unit": district.commerce.pk}
            )

        [industry_clock, commerce_clock] = cycles(case, "resolution")
        assert (industry_clock.unit, industry_clock.outcome, industry_clock.breached) == (
            district.industry,
            "reassigned",
            True,
        )
        # Seven working days of its own from Friday 27: 30 November, 1, 2, 3, 4, 7, 8 December.
        assert (commerce_clock.unit, commerce_clock.started_by, commerce_clock.due_at) == (
            district.commerce,
            "reassign",
            at(2026, 12, 8, 17, 30),
        )
        assert detail(district, district.dave, case)["resolution_due_at"] == "2026-12-08T17:30:00+08:00"


class TestWorking:
    def test_it_ends_the_response_clock_on_time_when_the_assignee_signs_for_it_in_time(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)

        with travel(at(2026, 11, 17, 10)):
            post(district, district.carol, case, "accept")

        assert detail(district, district.carol, case)["response_due_at"] is None
        [response] = cycles(case, "response")
        assert (response.ended_at, response.outcome, response.breached) == (at(2026, 11, 17, 10), "met", False)

    def test_it_records_a_late_signature_as_a_breach(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)

        # Due Tue 17 17:30; signed for on Wednesday morning.
        with travel(at(2026, 11, 18, 9)):
            post(district, district.carol, case, "accept")

        [response] = cycles(case, "response")
        assert (response.outcome, response.breached) == ("met", True)

    def test_it_ends_the_first_reply_clock_with_the_officials_first_public_reply(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)
        comments = district.client(district.carol)

        with travel(at(2026, 11, 16, 10)):
            # Neither the enterprise's own message nor an internal note answers the enterprise.
            district.client(district.alice).post(case_url(case, "comments"), {"body": "请尽快处理。"}, format="json")
            comments.post(case_url(case, "comments"), {"body": "先联系交通局。", "visibility": "internal"})
        assert detail(district, district.carol, case)["first_reply_due_at"] == "2026-11-19T17:30:00+08:00"

        with travel(at(2026, 11, 17, 10)):
            response = comments.post(case_url(case, "comments"), {"body": "已联系交通局，本周内修复。"}, format="json")
        assert response.status_code == 201, response.data

        assert detail(district, district.alice, case)["first_reply_due_at"] is None
        [first_reply] = cycles(case, "first_reply")
        assert (first_reply.ended_at, first_reply.outcome, first_reply.breached) == (
            at(2026, 11, 17, 10),
            "met",
            False,
        )

    def test_it_starts_the_confirmation_clock_when_the_case_is_resolved(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)

        with travel(at(2026, 11, 18, 10)):
            post(district, district.carol, case, "resolve", {"resolution_type": "solved", "reply": "已修复。"})

        assert deadlines(district, district.alice, case) == {
            "response_due_at": None,
            "first_reply_due_at": None,
            "resolution_due_at": None,
            # Thu 19 (1), Fri 20 (2), Mon 23 (3), Tue 24 (4), Wed 25 (5).
            "confirmation_due_at": "2026-11-25T17:30:00+08:00",
            "deadlines_provisional": False,
        }
        ended = {cycle.kind: (cycle.outcome, cycle.breached) for cycle in DeadlineCycle.objects.filter(case_id=case.pk)}
        assert ended == {
            "routing": ("met", False),
            # Resolving counts as signing for it, but signing was due Tue 17 17:30: late.
            "response": ("met", True),
            "first_reply": ("met", False),  # the reply to the enterprise came in time
            "resolution": ("met", False),
            "confirmation": ("", False),
        }
        assert running(case, "confirmation").workdays == 5

    def test_it_gives_five_working_days_after_a_reopen_and_keeps_the_earlier_breach(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)
        # Due Wed 25 17:30, resolved the day after.
        with travel(at(2026, 11, 26, 10)):
            post(district, district.carol, case, "resolve", {"resolution_type": "solved", "reply": "已修复。"})

        with travel(at(2026, 11, 27, 10)):
            post(district, district.alice, case, "reopen", {"reason": "路面仍有大坑。"})

        body = detail(district, district.alice, case)
        assert body["state"] == CaseState.ASSIGNED
        # Mon 30 (1), Tue Dec 1 (2), Wed 2 (3), Thu 3 (4), Fri 4 (5).
        assert body["resolution_due_at"] == "2026-12-04T17:30:00+08:00"
        assert body["confirmation_due_at"] is None
        late, again = cycles(case, "resolution")
        # Statistics read the cycles: the late first round stays late after the reopen.
        assert (late.outcome, late.breached, late.due_at) == ("met", True, at(2026, 11, 25, 17, 30))
        assert (again.started_by, again.workdays, again.responsible, again.ended_at) == (
            "reopen",
            5,
            district.carol,
            None,
        )
        [confirmation] = cycles(case, "confirmation")
        assert confirmation.outcome == "reopened"

    def test_it_ends_every_running_clock_when_the_enterprise_withdraws(self, district):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)

        with travel(at(2026, 11, 17, 10)):
            post(district, district.alice, case, "withdraw", {"reason": "已自行修复。"})

        assert deadlines(district, district.alice, case) == {
            "response_due_at": None,
            "first_reply_due_at": None,
            "resolution_due_at": None,
            "confirmation_due_at": None,
            "deadlines_provisional": False,
        }
        assert not DeadlineCycle.objects.filter(case_id=case.pk, ended_at__isnull=True).exists()
        ended = DeadlineCycle.objects.filter(case_id=case.pk, ended_at=at(2026, 11, 17, 10))
        assert sorted(ended.values_list("kind", "outcome")) == [
            ("first_reply", "withdrawn"),
            ("resolution", "withdrawn"),
            ("response", "withdrawn"),
        ]

    @pytest.mark.parametrize(
        ("closer", "body", "outcome"),
        [("alice", {"satisfaction": 5}, "met"), ("sam", {"comment": "督办后结案。"}, "closed")],
    )
    def test_it_ends_the_confirmation_clock_when_the_case_is_closed(self, district, closer, body, outcome):
        with travel(MONDAY_9):
            case = file_case(district, district.alice)
        with travel(at(2026, 11, 18, 10)):
            post(district, district.carol, case, "resolve", {"resolution_type": "solved", "reply": "已修复。"})

        with travel(at(2026, 11, 19, 10)):
            post(district, getattr(district, closer), case, "close", body)

        assert detail(district, district.alice, case)["confirmation_due_at"] is None
        assert not DeadlineCycle.objects.filter(case_id=case.pk, ended_at__isnull=True).exists()
        [confirmation] = cycles(case, "confirmation")
        assert (confirmation.ended_at, confirmation.outcome) == (at(2026, 11, 19, 10), outcome)


class TestCalendar:
    def test_it_counts_past_the_national_day_holiday_and_counts_its_make_up_saturday(self, district):
        with travel(at(2026, 9, 30, 15)):
            case = file_case(district, district.alice)

        # Wed 30 Sep does not count; 1-7 October are off; Thu 8 (1), Fri 9 (2), Sat 10 (3, make-up),
        # Mon 12 (4), Tue 13 (5), Wed 14 (6), Thu 15 (7).
        assert deadlines(district, district.alice, case) == {
            "response_due_at": "2026-10-08T17:30:00+08:00",
            "first_reply_due_at": "2026-10-10T17:30:00+08:00",
            "resolution_due_at": "2026-10-15T17:30:00+08:00",
            "confirmation_due_at": None,
            "deadlines_provisional": False,
        }

    def test_it_marks_deadlines_that_reach_into_a_year_without_a_schedule_as_provisional(self, district):
        with travel(at(2026, 12, 10, 10)):
            case = file_case(district, district.alice, complexity=Complexity.COMPLEX)

        # From Thu 10 Dec: Fri 11 (1), Dec 14-18 (6), Dec 21-25 (11), Dec 28-31 (15),
        # Fri 1 Jan (estimated 元旦), Jan 4-8 (20).
        assert deadlines(district, district.alice, case) == {
            "response_due_at": "2026-12-11T17:30:00+08:00",
            "first_reply_due_at": "2026-12-15T17:30:00+08:00",
            "resolution_due_at": "2027-01-08T17:30:00+08:00",
            "confirmation_due_at": None,
            "deadlines_provisional": True,
        }
        assert running(case, "resolution").provisional is True
        assert running(case, "first_reply").provisional is False

    def test_it_ends_twenty_working_days_from_friday_4_december_2026_on_monday_4_january_2027(self, district):
        with travel(at(2026, 12, 4, 10)):
            case = file_case(district, district.alice, complexity=Complexity.COMPLEX)

        # Dec 7-11 (5), 14-18 (10), 21-25 (15), 28-31 (19); Fri 1 Jan is estimated 元旦, then the weekend; Mon 4 (20).
        body = deadlines(district, district.alice, case)
        assert (body["resolution_due_at"], body["deadlines_provisional"]) == ("2027-01-04T17:30:00+08:00", True)
        assert running(case, "resolution").workdays == 20

    def test_it_recounts_a_deadline_counted_monday_to_friday_before_the_estimate_existed(self, district):
        with travel(at(2026, 12, 4, 10)):
            case = file_case(district, district.alice, complexity=Complexity.COMPLEX)
        # What the calendar gave before 2027 was estimated: Friday 1 January as the 20th working day.
        DeadlineCycle.objects.filter(case=case, kind="resolution").update(due_at=at(2027, 1, 1, 17, 30))
        Case.objects.filter(pk=case.pk).update(resolution_due_at=at(2027, 1, 1, 17, 30))

        # Beat runs it every hour; eager here.
        with travel(at(2026, 12, 7, 10)):
            recompute_provisional_deadlines.delay()

        body = deadlines(district, district.alice, case)
        assert (body["resolution_due_at"], body["deadlines_provisional"]) == ("2027-01-04T17:30:00+08:00", True)

    def test_it_recounts_provisional_deadlines_when_a_day_is_corrected_in_the_admin(
        self, district, client, django_capture_on_commit_callbacks
    ):
        with travel(at(2027, 2, 2, 10)):
            case = file_case(district, district.alice)
        assert deadlines(district, district.alice, case)["resolution_due_at"] == "2027-02-17T17:30:00+08:00"
        root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")

        with travel(at(2027, 2, 3, 10)), django_capture_on_commit_callbacks(execute=True):
            client.force_login(root)
            response = client.post(
                "/admin/workflow/calendarday/add/", {"date": "2027-02-11", "name": "春节", "source": "通知"}
            )
        assert response.status_code == 302

        # Thursday 11 February is off too: Wed 3, Thu 4, Fri 12, Mon 15, Tue 16, Wed 17, Thu 18.
        body = deadlines(district, district.alice, case)
        assert (body["resolution_due_at"], body["deadlines_provisional"]) == ("2027-02-18T17:30:00+08:00", True)

    def test_it_recounts_provisional_deadlines_when_the_years_schedule_is_imported(self, district, tmp_path):
        with travel(at(2027, 2, 2, 10)):
            case = file_case(district, district.alice)
        # From Tue 2 Feb, with the estimate: Wed 3 (1), Thu 4 (2), Feb 5-10 off, Thu 11 (3), Fri 12 (4),
        # Mon 15 (5), Tue 16 (6), Wed 17 (7).
        body = deadlines(district, district.alice, case)
        assert (body["first_reply_due_at"], body["resolution_due_at"], body["deadlines_provisional"]) == (
            "2027-02-11T17:30:00+08:00",
            "2027-02-17T17:30:00+08:00",
            True,
        )
        # Made up in the shape of a notice: 春节 5-13 February off, Sunday 31 January and Saturday 20 February worked.
        holidays = "".join(f"2027-02-{day:02},holiday,春节\n" for day in range(5, 14))
        schedule = tmp_path / "2027.csv"
        schedule.write_text(
            f"date,type,name\n2027-01-31,workday,春节\n{holidays}2027-02-20,workday,春节\n", encoding="utf-8"
        )

        with travel(at(2027, 2, 3, 10)):
            call_command("import_holidays", str(schedule), "--year", "2027", stdout=StringIO())

        # Wed 3 (1), Thu 4 (2), Feb 5-14 off, Mon 15 (3), Tue 16 (4), Wed 17 (5), Thu 18 (6), Fri 19 (7).
        body = deadlines(district, district.alice, case)
        assert body["first_reply_due_at"] == "2027-02-15T17:30:00+08:00"
        assert body["resolution_due_at"] == "2027-02-19T17:30:00+08:00"
        assert body["deadlines_provisional"] is False
        assert body["response_due_at"] == "2027-02-03T17:30:00+08:00"
        resolution = running(case, "resolution")
        assert (resolution.started_at, resolution.workdays, resolution.provisional) == (at(2027, 2, 2, 10), 7, False)

    def test_it_keeps_a_due_time_the_dispatcher_set_when_the_years_schedule_is_imported(self, district, tmp_path):
        case = hongda_case(district, at(2026, 12, 10, 10))
        with travel(at(2026, 12, 10, 11)):
            post(
                district,
                district.dora,
                case,
                "assign",
                {
                    "assignee": district.dave.pk,
                    "unit": district.commerce.pk,
                    "resolution_due_at": "2027-01-15T17:30:00+08:00",
                },
            )
        body = deadlines(district, district.dave, case)
        assert (body["resolution_due_at"], body["deadlines_provisional"]) == ("2027-01-15T17:30:00+08:00", True)
        schedule = tmp_path / "2027.csv"
        schedule.write_text("date,type,name\n2027-01-01,holiday,元旦\n", encoding="utf-8")

        with travel(at(2026, 12, 11, 10)):
            call_command("import_holidays", str(schedule), "--year", "2027", stdout=StringIO())

        # The dispatcher promised Friday 15 January; a holiday two weeks earlier does not move that date.
        body = deadlines(district, district.dave, case)
        assert body["resolution_due_at"] == "2027-01-15T17:30:00+08:00"
        assert body["deadlines_provisional"] is False
