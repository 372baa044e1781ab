"""The demo's year is drawn back from the day it is seeded, so each day draws other histories: a day whose draws
once broke the seeding stays here."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.db.models import Count

from cases.models import Case, CaseEvent, EventAction


def test_it_urges_a_case_late_again_after_its_reopening_no_second_time(db):
    # On this night a case was urged, answered, reopened and late again: the year drew a second urging, which the
    # sweep never makes (a case keeps its urging level), and the seeding stopped.
    with time_machine.travel(datetime(2026, 12, 7, 0, 15, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        call_command("seed_demo", "--quiet")

    urged = CaseEvent.objects.filter(action=EventAction.URGE, actor__isnull=True)
    urgings = urged.values("case").annotate(n=Count("pk")).order_by()
    reopened_and_urged = Case.objects.filter(pk__in=urged.values("case"), enterprise_reopen_count__gt=0)
    assert urgings.count() > 0 and reopened_and_urged.exists()
    assert max(row["n"] for row in urgings) == 1
