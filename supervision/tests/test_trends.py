"""The weekly overdue backlog behind the rankings page's line chart, on clocks built by hand.

"Now" is Wednesday 18 November 2026, 10:00 Beijing time: the current week began Monday 16 November,
the one before ended at Monday 16 November 00:00.
"""

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from supervision.rates.trends import overdue_by_week
from workflow import services
from workflow.models import ClockKind, DeadlineCycle
from workflow.workdays import SHANGHAI

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def local(month: int, day: int, hour: int = 17, minute: int = 30) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def bare_case(district, title: str) -> Case:
    with time_machine.travel(local(8, 1, 10), tick=False):
        case = services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=district.infrastructure,
            title=title,
            description="手工构造的时钟",
        )
    DeadlineCycle.objects.filter(case=case).delete()
    return case


def clock(district, title: str, *, due: datetime, ended: datetime | None = None, unit=None, kind=ClockKind.RESOLUTION):
    DeadlineCycle.objects.create(
        case=bare_case(district, title),
        kind=kind,
        started_by="assign",
        started_at=local(8, 1, 10),
        workdays=7,
        due_at=due,
        ended_at=ended,
        unit=unit or district.industry,
    )


@pytest.fixture
def clocks(district):
    d = district
    clock(d, "running since 4 Nov", due=local(11, 4))
    clock(d, "late 28 Oct, resolved 11 Nov", due=local(10, 28), ended=local(11, 11, 9))
    clock(d, "late since yesterday", due=local(11, 17, 10))
    clock(d, "due tomorrow", due=local(11, 19))
    clock(d, "commerce, late since 3 Nov", due=local(11, 3), unit=d.commerce)
    clock(d, "a response clock", due=local(11, 3), kind=ClockKind.RESPONSE)
    clock(d, "resolved before its deadline", due=local(11, 10), ended=local(11, 5))
    return d


def test_it_counts_the_clocks_running_late_at_the_end_of_each_week_in_one_query(clocks):
    with CaptureQueriesContext(connection) as queries:
        weeks = overdue_by_week(now=NOW, scope=frozenset({clocks.industry.pk}))

    assert len(queries.captured_queries) == 1
    assert [week.monday for week in weeks][-4:] == [
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    assert weeks[0].monday == date(2026, 8, 31) and len(weeks) == 12
    # 26 Oct week: the 28 Oct clock; 2 Nov week: it and the 4 Nov one; 9 Nov week: the 4 Nov one (the other ended
    # on the 11th); this week, at 10:00 Wednesday: the 4 Nov one and yesterday's.
    assert [week.overdue for week in weeks] == [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1, 2]
    assert weeks[-1].counted_at == NOW
    assert weeks[-2].counted_at == datetime(2026, 11, 16, 0, 0, tzinfo=SHANGHAI)


def test_it_counts_every_unit_without_a_scope(clocks):
    weeks = overdue_by_week(now=NOW, scope=None)
    assert [week.overdue for week in weeks][-4:] == [1, 3, 2, 3]


def test_it_counts_nothing_outside_the_scope(clocks):
    assert {week.overdue for week in overdue_by_week(now=NOW, scope=frozenset({clocks.other_bureau.pk}))} == {0}
