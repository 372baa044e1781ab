"""The deadline sweep and its reminder ladder: who hears what, when, and exactly once.

Time is frozen at chosen moments and ``sweep(now)`` is called directly, as the
periodic task does. Working hours are 08:30-12:00 and 13:30-17:30 (Asia/Shanghai);
outside them the sweep sends nothing and the reminders wait for the next working
morning. Deadlines end at 17:30, which is already after hours, so a reminder "at
the deadline" of a computed deadline arrives at 08:30 the next working day.

The usual case: filed by alice on Monday 16 November 2026 at 09:00 and routed to
carol (Industry Bureau, headed by hank): response due Tue 17 17:30, first reply
Thu 19 17:30, resolution Wed 25 17:30. sam supervises the district, otto another
one; leo is Yixin's 包保 leader.
"""

import threading
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix

from cases.models import Case, CaseEvent, CaseState, Closure, ResolutionType
from enterprises.models import Enterprise, EnterpriseContact, Role, Unit, UnitKind, UnitMembership
from enterprises.services import service_assignment_change
from notifications.models import Notification, NotificationPreference
from workflow import ladder as ladder_module
from workflow import services
from workflow.models import DeadlineCycle
from workflow.sweep import sweep

from .helpers import assigned_case, case_url, notified, opened_case, reload

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WAIT_SECONDS = 60


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


MONDAY_9 = at(2026, 11, 16, 9)


def travel(moment: datetime):
    return time_machine.travel(moment, tick=False)


def sweep_at(moment: datetime):
    with travel(moment):
        return sweep(moment)


def received(kind: str) -> list[str]:
    """Who got a notification of ``kind``, one entry per notification, sorted."""
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def reminders_sent() -> int:
    return Notification.objects.filter(kind__startswith="reminder_").count()


def filed(district, moment: datetime = MONDAY_9) -> Case:
    """Alice's case, routed to carol at ``moment``; every clock running."""
    with travel(moment):
        return assigned_case(district)


def replied(district, moment: datetime = MONDAY_9) -> Case:
    """Carol answered the enterprise an hour after filing but never signed for it."""
    case = filed(district, moment)
    with travel(moment.replace(hour=moment.hour + 1)):
        services.comment_add(case=case, acting_user=district.carol, body="已收到，正在协调交通局。")
    return reload(case)


def worked(district, moment: datetime = MONDAY_9, **filing) -> Case:
    """Signed for and answered an hour after filing: only the resolution clock still runs."""
    with travel(moment):
        case = services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title="厂区道路破损",
            description="运输车辆无法通行。",
            **filing,
        )
    with travel(moment.replace(hour=moment.hour + 1)):
        case = services.case_accept(case=case, acting_user=district.carol)
        services.comment_add(case=case, acting_user=district.carol, body="已收到，正在协调交通局。")
    return reload(case)


def routed_by_dora(district, *, response_due_at=None, resolution_due_at=None) -> Case:
    """Bob's Hongda case, filed Mon 16 09:00 and routed by dora to carol at 10:00 with due times set by hand."""
    with travel(MONDAY_9):
        case = opened_case(district, by=district.bob, enterprise=district.hongda)
    with travel(at(2026, 11, 16, 10)):
        return services.case_assign(
            case=case,
            acting_user=district.dora,
            assignee=district.carol,
            unit=district.industry,
            response_due_at=response_due_at,
            resolution_due_at=resolution_due_at,
        )


def resolved(district, moment: datetime) -> Case:
    case = filed(district)
    with travel(moment):
        return services.case_resolve(
            case=case, acting_user=district.carol, resolution_type=ResolutionType.SOLVED, reply="已协调修复。"
        )


class TestResponse:
    def test_it_warns_the_assignee_four_working_hours_before_the_response_deadline(self, district):
        case = filed(district)

        sweep_at(at(2026, 11, 16, 17))
        sweep_at(at(2026, 11, 17, 11, 59))
        assert notified(case, "reminder_response_due_soon") == []

        # Due Tue 17:30: 13:30-17:30 are the last four working hours.
        report = sweep_at(at(2026, 11, 17, 13, 30))

        assert report.reminded == 1
        assert notified(case, "reminder_response_due_soon") == ["carol"]
        assert notified(case, "reminder_response_overdue") == []

    def test_it_counts_the_warning_in_working_hours_across_the_lunch_break(self, district):
        case = routed_by_dora(district, response_due_at=at(2026, 11, 18, 15))

        # Due Wed 15:00: 13:30-15:00 is 1.5 hours, the other 2.5 come before noon, from 09:30.
        sweep_at(at(2026, 11, 18, 9, 29))
        assert notified(case, "reminder_response_due_soon") == []

        sweep_at(at(2026, 11, 18, 9, 30))

        assert notified(case, "reminder_response_due_soon") == ["carol"]

    def test_it_tells_the_assignee_and_the_unit_head_at_the_response_deadline(self, district):
        case = routed_by_dora(district, response_due_at=at(2026, 11, 18, 15))
        sweep_at(at(2026, 11, 18, 14, 59))
        assert notified(case, "reminder_response_overdue") == []

        sweep_at(at(2026, 11, 18, 15))

        assert notified(case, "reminder_response_overdue") == ["carol", "hank"]
        assert DeadlineCycle.objects.get(case_id=case.pk, kind="response", ended_at__isnull=True).breached is True

    def test_it_sends_a_missed_response_the_next_working_morning_without_the_stale_warning(self, district):
        case = filed(district)

        # Due Tue 17:30, which is already after working hours.
        evening = sweep_at(at(2026, 11, 17, 17, 30))
        assert evening.outside_working_hours is True

        sweep_at(at(2026, 11, 18, 8, 30))

        assert notified(case, "reminder_response_overdue") == ["carol", "hank"]
        # The warning would have come Tue 13:30, but no sweep ran then; too late for it now.
        assert notified(case, "reminder_response_due_soon") == []

    def test_it_tells_the_dispatchers_when_a_case_waits_too_long_for_routing(self, district):
        with travel(MONDAY_9):
            case = opened_case(district, by=district.bob, enterprise=district.hongda)

        # Routing was due Tue 17 17:30.
        sweep_at(at(2026, 11, 17, 17))
        assert notified(case, "reminder_routing_overdue") == []
        sweep_at(at(2026, 11, 18, 8, 30))

        assert notified(case, "reminder_routing_overdue") == ["dora"]

    def test_it_sends_no_reminder_for_a_clock_that_ended(self, district):
        case = filed(district)
        with travel(at(2026, 11, 17, 10)):
            services.case_accept(case=case, acting_user=district.carol)

        sweep_at(at(2026, 11, 17, 13, 30))
        sweep_at(at(2026, 11, 18, 8, 30))

        assert notified(case, "reminder_response_due_soon") == []
        assert notified(case, "reminder_response_overdue") == []


class TestFirstReply:
    def test_it_tells_the_assignee_when_the_first_reply_is_overdue(self, district):
        case = filed(district)
        with travel(at(2026, 11, 17, 10)):
            services.case_accept(case=case, acting_user=district.carol)

        # Due Thu 19 17:30; carol never answered the enterprise.
        sweep_at(at(2026, 11, 19, 17))
        assert notified(case, "reminder_first_reply_overdue") == []
        sweep_at(at(2026, 11, 20, 8, 30))

        assert DeadlineCycle.objects.get(case_id=case.pk, kind="first_reply").breached is True
        assert notified(case, "reminder_first_reply_overdue") == ["carol"]

    def test_it_tells_the_dispatchers_when_nobody_was_routed_the_case_whose_first_reply_is_overdue(self, district):
        with travel(MONDAY_9):
            case = opened_case(district, by=district.bob, enterprise=district.hongda)

        # Routing was due Tue 17, the first reply Thu 19 17:30; nobody routed the case.
        sweep_at(at(2026, 11, 18, 8, 30))
        sweep_at(at(2026, 11, 19, 17))
        assert notified(case, "reminder_first_reply_overdue") == []
        sweep_at(at(2026, 11, 20, 8, 30))
        sweep_at(at(2026, 11, 20, 10))
        sweep_at(at(2026, 11, 23, 8, 30))

        assert notified(case, "reminder_first_reply_overdue") == ["dora"]
        [reminder] = Notification.objects.filter(about=f"case:{case.pk}", kind="reminder_first_reply_overdue")
        assert "该诉求尚未分派承办人，请尽快分派给干部。" in reminder.body
        assert notified(case, "reminder_routing_overdue") == ["dora"]

    def test_it_tells_the_dispatchers_not_the_cadre_who_sent_the_case_back(self, district):
        case = filed(district)  # routed to carol at once
        with travel(at(2026, 11, 17, 10)):
            services.case_send_back(case=case, acting_user=district.carol, reason="不属于本局职责")

        sweep_at(at(2026, 11, 20, 8, 30))  # the first reply was due Thu 19 17:30

        assert notified(case, "reminder_first_reply_overdue") == ["dora"]
        cycle = DeadlineCycle.objects.get(case_id=case.pk, kind="first_reply")
        assert (cycle.responsible, cycle.unit) == (None, None)

    def test_it_tells_the_assignee_not_the_dispatchers_once_the_case_is_routed(self, district):
        with travel(MONDAY_9):
            case = opened_case(district, by=district.bob, enterprise=district.hongda)
        with travel(at(2026, 11, 17, 10)):
            services.case_assign(case=case, acting_user=district.dora, assignee=district.carol, unit=district.industry)

        sweep_at(at(2026, 11, 20, 8, 30))

        assert notified(case, "reminder_first_reply_overdue") == ["carol"]
        [reminder] = Notification.objects.filter(about=f"case:{case.pk}", kind="reminder_first_reply_overdue")
        assert "尚未分派" not in reminder.body


class TestResolution:
    def test_it_reminds_the_assignee_the_morning_before_the_due_day(self, district):
        case = worked(district)

        sweep_at(at(2026, 11, 23, 17))
        assert notified(case, "reminder_resolution_due_soon") == []

        # Due Wed 25: the working day before is Tue 24.
        sweep_at(at(2026, 11, 24, 8, 30))

        assert notified(case, "reminder_resolution_due_soon") == ["carol"]
        assert notified(case, "reminder_resolution_due_today") == []

    def test_it_reminds_on_the_friday_before_a_monday_deadline(self, district):
        case = routed_by_dora(district, resolution_due_at=at(2026, 11, 30, 17, 30))

        sweep_at(at(2026, 11, 26, 17))
        assert notified(case, "reminder_resolution_due_soon") == []
        sweep_at(at(2026, 11, 27, 8, 30))

        assert notified(case, "reminder_resolution_due_soon") == ["carol"]

    def test_it_tells_the_assignee_and_the_unit_head_on_the_due_day(self, district):
        case = worked(district)
        sweep_at(at(2026, 11, 24, 8, 30))

        sweep_at(at(2026, 11, 25, 8, 30))

        assert notified(case, "reminder_resolution_due_today") == ["carol", "hank"]
        assert notified(case, "reminder_resolution_due_soon") == ["carol"]

    def test_it_sends_each_supervisor_one_daily_digest_of_the_overdue_cases(self, district):
        overdue = [worked(district) for _ in range(3)]
        # Filed Tue 17: due Thu 26 17:30, not yet overdue on Thursday morning.
        later = worked(district, at(2026, 11, 17, 9))

        report = sweep_at(at(2026, 11, 26, 8, 30))

        assert report.digests == 1
        assert received("overdue_digest") == ["sam"]
        [digest] = Notification.objects.filter(kind="overdue_digest")
        assert "3" in digest.subject
        for case in overdue:
            assert case.number in digest.body
        assert later.number not in digest.body
        # The supervisors hear of it in the digest only, not once per case.
        assert Notification.objects.filter(kind="reminder_resolution_overdue").count() == 0
        assert all(cycle.breached for cycle in DeadlineCycle.objects.filter(kind="resolution", case__in=overdue))

        sweep_at(at(2026, 11, 26, 10))
        sweep_at(at(2026, 11, 26, 16))
        assert received("overdue_digest") == ["sam"]

        sweep_at(at(2026, 11, 27, 8, 30))
        assert received("overdue_digest") == ["sam", "sam"]
        newest = Notification.objects.filter(kind="overdue_digest").order_by("-id").first()
        for case in [*overdue, later]:
            assert case.number in newest.body

    def test_it_sends_a_supervisor_the_days_digest_when_a_case_of_theirs_becomes_overdue_later(self, district):
        other_street = Unit.objects.create(name="邻区东街道", kind=UnitKind.STREET, parent=district.other_district)
        foundry = Enterprise.objects.create(
            name="邻区精密铸造有限公司", credit_code="91320500MA1XK4Q27B", industry="铸造", township=other_street
        )
        User = get_user_model()
        olga = User.objects.create_user(username="olga", first_name="欧佳")
        oscar = User.objects.create_user(username="oscar", first_name="欧石")
        EnterpriseContact.objects.create(user=olga, enterprise=foundry)
        UnitMembership.objects.create(user=oscar, unit=district.other_bureau, role=Role.CADRE)
        service_assignment_change(enterprise=foundry, unit=district.other_bureau, cadre=oscar)
        with travel(MONDAY_9):
            services.case_file(
                acting_user=olga,
                enterprise=foundry,
                category=district.infrastructure,
                title="厂区外电源线路老化",
                description="频繁跳闸。",
            )
        # In sam's district, due by hand on Thursday at 10:00.
        hongda = routed_by_dora(district, resolution_due_at=at(2026, 11, 26, 10))

        sweep_at(at(2026, 11, 26, 8, 30))
        assert received("overdue_digest") == ["otto"]

        sweep_at(at(2026, 11, 26, 10, 30))

        # sam has had no digest today, and now a case of his district is overdue.
        assert received("overdue_digest") == ["otto", "sam"]
        digest = Notification.objects.get(kind="overdue_digest", recipient=district.sam)
        assert hongda.number in digest.body

    def test_it_tells_the_leader_once_when_a_case_is_three_working_days_overdue(self, district):
        case = worked(district)

        # Due Wed 25: Thu 26 (1), Fri 27 (2), Mon 30 (3).
        sweep_at(at(2026, 11, 26, 8, 30))
        sweep_at(at(2026, 11, 27, 17))
        assert notified(case, "reminder_resolution_overdue_leader") == []

        sweep_at(at(2026, 11, 30, 8, 30))
        sweep_at(at(2026, 12, 1, 8, 30))
        sweep_at(at(2026, 12, 7, 8, 30))

        assert notified(case, "reminder_resolution_overdue_leader") == ["leo"]
        [message] = Notification.objects.filter(kind="reminder_resolution_overdue_leader")
        assert case.number in message.body

    def test_it_words_the_reminders_in_each_readers_language(self, district):
        NotificationPreference.objects.create(user=district.leo, language="en")
        case = worked(district)

        sweep_at(at(2026, 11, 24, 8, 30))
        sweep_at(at(2026, 11, 30, 8, 30))

        [soon] = Notification.objects.filter(kind="reminder_resolution_due_soon")
        assert (soon.subject, soon.body) == (
            f"诉求 {case.number} 将于下一个工作日到期",
            f"诉求 {case.number}（厂区道路破损）须于 2026-11-25 17:30 前办结。如需延期，请尽快提交延期申请。",
        )
        [leader] = Notification.objects.filter(kind="reminder_resolution_overdue_leader")
        assert (leader.subject, leader.body) == (
            f"Case {case.number} is 3 working days overdue",
            f"Case {case.number} of {district.yixin.name}, which you serve, is 3 working days overdue: 厂区道路破损. "
            f"Responsible: {district.carol.get_full_name()}, {district.industry.name}.",
        )

    def test_it_names_an_assignee_without_a_full_name_to_the_leader_by_their_username(self, district):
        district.carol.first_name = district.carol.last_name = ""
        district.carol.save()
        case = worked(district)

        sweep_at(at(2026, 11, 30, 8, 30))

        [leader] = Notification.objects.filter(kind="reminder_resolution_overdue_leader")
        assert case.number in leader.body
        assert f"责任人：{district.carol.username}（{district.industry.name}）" in leader.body

    def test_it_links_each_reminder_to_its_case_under_the_sites_prefix(self, district):
        cases = [worked(district), worked(district)]
        set_script_prefix("/huiyin/")
        try:
            sweep_at(at(2026, 11, 24, 8, 30))
        finally:
            set_script_prefix("/")

        links = dict(Notification.objects.filter(kind="reminder_resolution_due_soon").values_list("about", "link"))
        assert links == {f"case:{case.pk}": f"/huiyin/api/v1/cases/{case.pk}/" for case in cases}

    def test_it_moves_the_reminders_with_an_approved_extension(self, district):
        case = worked(district)
        with travel(at(2026, 11, 17, 10)):
            extension = services.extension_request_create(
                case=case,
                acting_user=district.carol,
                requested_due_date=at(2026, 12, 2).date(),
                reason="需供电公司配合。",
            )
            services.extension_decide(extension=extension, acting_user=district.sam, approve=True)

        sweep_at(at(2026, 11, 24, 8, 30))
        sweep_at(at(2026, 11, 25, 8, 30))
        sweep_at(at(2026, 11, 26, 8, 30))
        assert notified(case, "reminder_resolution_due_soon") == []
        assert notified(case, "reminder_resolution_due_today") == []
        assert received("overdue_digest") == []

        # Now due Wed 2 December.
        sweep_at(at(2026, 12, 1, 8, 30))
        assert notified(case, "reminder_resolution_due_soon") == ["carol"]

    def test_it_moves_the_reminders_when_the_years_schedule_is_imported(self, district, tmp_path):
        # Tue 2 Feb 2027: 7 working days end Wed 17 Feb over the estimated 春节 (5-10 February off).
        case = worked(district, at(2027, 2, 2, 9))
        assert (case.resolution_due_at, case.deadlines_provisional) == (at(2027, 2, 17, 17, 30), True)
        # The notice keeps 11 and 12 February off too (made up in the shape of one).
        holidays = "".join(f"2027-02-{day:02},holiday,春节\n" for day in range(5, 14))
        schedule = tmp_path / "2027.csv"
        schedule.write_text(f"date,type,name\n{holidays}2027-02-20,workday,春节\n", encoding="utf-8")
        with travel(at(2027, 2, 3, 10)):
            call_command("import_holidays", str(schedule), "--year", "2027", stdout=StringIO())

        # Now due Fri 19 Feb: the warning comes on Thursday 18, not Tuesday 16.
        sweep_at(at(2027, 2, 16, 8, 30))
        sweep_at(at(2027, 2, 17, 8, 30))
        assert notified(case, "reminder_resolution_due_soon") == []
        sweep_at(at(2027, 2, 18, 8, 30))

        assert notified(case, "reminder_resolution_due_soon") == ["carol"]


class TestConfirmation:
    def test_it_asks_the_enterprise_to_confirm_halfway_through_the_window(self, district):
        # Resolved Mon 16 10:00: confirmation due Mon 23 17:30 (5 working days: Tue-Fri, Mon).
        # Halfway in working days: two have passed (Tue, Wed), so the morning of the third, Thu 19 08:30.
        case = resolved(district, at(2026, 11, 16, 10))

        sweep_at(at(2026, 11, 18, 17))
        assert notified(case, "reminder_confirmation_pending") == []
        sweep_at(at(2026, 11, 19, 8, 30))
        sweep_at(at(2026, 11, 19, 14))

        assert notified(case, "reminder_confirmation_pending") == ["alice"]

    def test_it_closes_the_case_without_an_answer_when_the_window_ends(self, district):
        case = resolved(district, at(2026, 11, 16, 10))
        sweep_at(at(2026, 11, 23, 17))
        assert reload(case).state == CaseState.RESOLVED

        # Due Mon 23 17:30: closed at the first working moment after it.
        sweep_at(at(2026, 11, 24, 8, 30))

        body = district.client(district.alice).get(case_url(case)).data
        assert (body["state"], body["closure"], body["satisfaction"]) == (CaseState.CLOSED, Closure.NO_ANSWER, None)
        assert body["closed_at"] == "2026-11-24T08:30:00+08:00"
        event = CaseEvent.objects.filter(case_id=case.pk).order_by("-id").first()
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            "close",
            None,
            CaseState.RESOLVED,
            CaseState.CLOSED,
        )
        assert notified(case, "case_closed") == ["alice", "carol"]
        [confirmation] = DeadlineCycle.objects.filter(case_id=case.pk, kind="confirmation")
        assert confirmation.outcome == "expired"

    def test_it_leaves_a_case_the_enterprise_confirmed_in_time(self, district):
        case = resolved(district, at(2026, 11, 16, 10))
        with travel(at(2026, 11, 23, 10)):
            services.case_close(case=case, acting_user=district.alice, satisfaction=4)

        sweep_at(at(2026, 11, 24, 8, 30))

        fresh = reload(case)
        assert (fresh.closure, fresh.satisfaction) == (Closure.CONFIRMED, 4)
        assert CaseEvent.objects.filter(case_id=case.pk, action="close").count() == 1


class TestSweeping:
    def test_it_sends_nothing_twice_when_swept_twice_at_the_same_moment(self, district):
        cases = [replied(district) for _ in range(2)]
        moment = at(2026, 11, 26, 8, 30)

        first = sweep_at(moment)
        before = Notification.objects.count()
        second = sweep_at(moment)

        assert (first.reminded, first.digests) == (4, 1)
        assert (second.reminded, second.digests) == (0, 0)
        assert Notification.objects.count() == before
        for case in cases:
            assert notified(case, "reminder_response_overdue") == ["carol", "hank"]
        assert received("overdue_digest") == ["sam"]

    @pytest.mark.parametrize(
        ("filed_at", "off_hours", "next_morning"),
        [
            # Response due Tue 17 17:30; 20:00 that evening.
            (at(2026, 11, 16, 9), at(2026, 11, 17, 20), at(2026, 11, 18, 8, 30)),
            # Response due Fri 20 17:30; Saturday morning, then Monday.
            (at(2026, 11, 19, 9), at(2026, 11, 21, 10), at(2026, 11, 23, 8, 30)),
            # Response due Wed 30 Sep 17:30; Monday 5 October is a National Day holiday; Thu 8 Oct is worked.
            (at(2026, 9, 29, 9), at(2026, 10, 5, 10), at(2026, 10, 8, 8, 30)),
        ],
        ids=["evening", "saturday", "holiday"],
    )
    def test_it_sends_nothing_outside_working_hours_and_catches_up_the_next_working_morning(
        self, district, filed_at, off_hours, next_morning
    ):
        case = filed(district, filed_at)

        report = sweep_at(off_hours)

        assert report.outside_working_hours is True
        assert (report.reminded, report.digests) == (0, 0)
        assert reminders_sent() == 0

        report = sweep_at(next_morning)

        assert report.outside_working_hours is False
        assert notified(case, "reminder_response_overdue") == ["carol", "hank"]

    def test_it_sweeps_on_a_make_up_saturday(self, district):
        # Filed Fri 9 Oct: response due Sat 10 Oct 17:30, a make-up working day.
        case = filed(district, at(2026, 10, 9, 9))

        report = sweep_at(at(2026, 10, 10, 13, 30))

        assert report.outside_working_hours is False
        assert notified(case, "reminder_response_due_soon") == ["carol"]

    def test_it_retries_a_failing_reminder_an_hour_later_and_still_sends_the_others(self, district, monkeypatch):
        good, bad, also_good = (filed(district) for _ in range(3))
        real_create = ladder_module.notifications_create_many

        def create_failing_for_one_case(*, items):
            items = list(items)
            if any(message.about == f"case:{bad.pk}" for _recipients, message in items):
                raise ConnectionError("template storage unavailable")
            return real_create(items=items)

        # The batch fails as a whole, then goes one clock at a time: only the bad one waits.
        monkeypatch.setattr(ladder_module, "notifications_create_many", create_failing_for_one_case)

        report = sweep_at(at(2026, 11, 18, 8, 30))

        assert (report.reminded, report.failed) == (2, 1)
        assert "template storage unavailable" in report.errors[0]
        assert notified(good, "reminder_response_overdue") == ["carol", "hank"]
        assert notified(also_good, "reminder_response_overdue") == ["carol", "hank"]
        assert notified(bad, "reminder_response_overdue") == []

        monkeypatch.undo()
        sweep_at(at(2026, 11, 18, 9, 29))
        assert notified(bad, "reminder_response_overdue") == []
        sweep_at(at(2026, 11, 18, 9, 30))
        assert notified(bad, "reminder_response_overdue") == ["carol", "hank"]

    def test_it_does_not_query_more_for_more_clocks_that_are_not_due(self, district):
        class Rollback(Exception):
            pass

        def sweep_queries(not_due: int) -> int:
            try:
                with transaction.atomic():
                    due = filed(district)
                    # Filed Tue 17 10:00: nothing of theirs is due before Wed 18 13:30.
                    for _ in range(not_due):
                        filed(district, at(2026, 11, 17, 10))
                    moment = at(2026, 11, 18, 8, 30)
                    with travel(moment), CaptureQueriesContext(connection) as queries:
                        report = sweep(moment)
                    assert report.reminded == 1
                    assert notified(due, "reminder_response_overdue") == ["carol", "hank"]
                    raise Rollback(len(queries))
            except Rollback as rollback:
                return rollback.args[0]

        assert sweep_queries(5) == sweep_queries(50)

    def test_it_sweeps_any_number_of_due_clocks_in_the_same_queries(self, district):
        class Rollback(Exception):
            pass

        def sweep_queries(due: int) -> int:
            try:
                with transaction.atomic():
                    cases = [filed(district) for _ in range(due)]
                    moment = at(2026, 11, 18, 8, 30)
                    with travel(moment), CaptureQueriesContext(connection) as queries:
                        report = sweep(moment)
                    assert report.reminded == due
                    for case in cases:
                        assert notified(case, "reminder_response_overdue") == ["carol", "hank"]
                    raise Rollback(len(queries))
            except Rollback as rollback:
                return rollback.args[0]

        # The calendar (1); a batch: claim, the unit's heads, the claim's write, notifications (preferences, insert
        # and, on SQLite, the keys taken before and a read of their ids) and its savepoint (2); automatic urging (1);
        # the digest: who had it, the supervisors (2), the late clocks counted (1) and each supervisor's first lines
        # (2) in a savepoint (2).
        assert sweep_queries(2) == sweep_queries(20) == (17 if connection.vendor == "postgresql" else 19)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_sends_each_reminder_once_when_two_sweeps_run_at_once(district):
    cases = [replied(district) for _ in range(3)]
    moment = at(2026, 11, 26, 8, 30)
    barrier = threading.Barrier(2, timeout=WAIT_SECONDS)
    reports, errors = [], []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            report = sweep(moment)
            with lock:
                reports.append(report)
        except BaseException as error:  # a failed thread must fail the test, not vanish
            with lock:
                errors.append(error)
        finally:
            connection.close()

    with travel(moment):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT_SECONDS)

    assert not [thread for thread in threads if thread.is_alive()], "a sweep hung"
    assert not errors, errors
    assert [report.failed for report in reports] == [0, 0]
    # Per case: the response clock (overdue) and the resolution clock (overdue, for the digest).
    assert sum(report.reminded for report in reports) == 6
    for case in cases:
        assert notified(case, "reminder_response_overdue") == ["carol", "hank"]
    assert received("overdue_digest") == ["sam"]
