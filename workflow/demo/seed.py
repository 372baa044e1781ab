"""Seeding the demo: the district's master data as it stood a year ago, then the year's cases in the order they
were filed — about 2,800 written in bulk as the services would have written them (``year``, ``rows``) and the
desks' two hundred stories through the services, at moments spread over the past weeks — then the people's
e-mail addresses.

The random choices come from two seeded generators, one for the district and the desks' stories, one for the
year, so two empty databases seeded at the same moment get the same demo, and the stories do not change with
the year's plan.
"""

import heapq
import random
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import time_machine
from django.db import connection

from .calls import Call
from .casework import Casework
from .district import DemoDistrict
from .rows import RowWriter
from .stories import bureau, dispatcher, duplicates, enterprise, pause, supervisor
from .year import YEAR_DAYS, YearOfCases

# The generators' seeds: every run on an empty database makes the same district, year and stories.
SEED = 2026
YEAR_SEED = 2025

# Stories a case goes through, and how many cases follow each; about two hundred in all.
CASE_PLAN = (
    ("awaiting_dispatch", 12),
    ("returned", 10),
    ("awaiting_signature", 18),
    ("in_progress", 22),
    ("urged", 12),
    ("reassigned", 8),
    ("reopened", 8),
    ("resolved", 22),
    ("confirmed", 52),
    ("confirmed_after_reopen", 8),
    ("closed_by_supervisor", 10),
    ("withdrawn", 14),
    ("rated_badly_recently", 2),
    ("rated_badly_weeks_ago", 3),
    ("paused", 10),
    ("merged_duplicate", 3),
    ("duplicate_waiting", 2),
)
# How many days ago each kind of story begins: open work is recent, some of it already
# past its deadline; closed cases lie weeks back; answers wait less than their
# 5-day confirmation window, so that the sweep does not close them at once.
STORY_AGE_DAYS = {
    "awaiting_dispatch": (0.1, 1.5),
    "returned": (0.5, 3),
    "awaiting_signature": (0.2, 2),
    "in_progress": (2, 16),
    "urged": (1, 6),
    "reassigned": (1, 10),
    "reopened": (1, 5),
    "resolved": (0.5, 3),
    "confirmed": (10, 80),
    "confirmed_after_reopen": (15, 60),
    "closed_by_supervisor": (10, 60),
    "withdrawn": (5, 60),
    # The demo cadre's dissatisfied enterprise: rectifications for the supervision demo, two of them
    # recent enough to be reported or appealed, the others overdue or in an earlier month.
    "rated_badly_recently": (2, 5),
    "rated_badly_weeks_ago": (35, 60),
    # Recent enough that a pause's working days stay within the limits unless the story means to go beyond them.
    "paused": (1, 6),
    "merged_duplicate": (1, 10),
    "duplicate_waiting": (0.2, 1.5),
}
# Cases that raise a confirmed case's matter again, filed after all the others.
FOLLOW_UPS = 4

STORIES: dict[str, Callable[[Casework], None]] = {
    "awaiting_dispatch": dispatcher.awaiting_dispatch,
    "returned": dispatcher.returned,
    "awaiting_signature": bureau.awaiting_signature,
    "in_progress": bureau.in_progress,
    "urged": supervisor.urged,
    "reassigned": bureau.reassigned,
    "reopened": enterprise.reopened,
    "resolved": enterprise.resolved,
    "confirmed": enterprise.confirmed,
    "confirmed_after_reopen": enterprise.confirmed_after_reopen,
    "closed_by_supervisor": supervisor.closed_by_supervisor,
    "withdrawn": enterprise.withdrawn,
    "rated_badly_recently": supervisor.rated_badly,
    "rated_badly_weeks_ago": supervisor.rated_badly,
    "paused": pause.paused,
    "merged_duplicate": duplicates.merged_duplicate,
    "duplicate_waiting": duplicates.duplicate_waiting,
}


def demo_seed() -> None:
    """Write the whole demo; call it inside one transaction on a database without the demo district."""
    district = DemoDistrict(random.Random(SEED))
    work = Casework(district)
    with time_machine.travel(work.latest - timedelta(days=YEAR_DAYS + 1), tick=False):
        district.build()
    year = YearOfCases(district, end=work.latest, rng=random.Random(YEAR_SEED))
    cases_seed(work, year.histories())
    district.give_addresses()


def cases_seed(work: Casework, year: Iterable[tuple[datetime, list[Call]]] = ()) -> None:
    """The year's histories and every story of the plan, in the order their cases were filed, then the
    follow-ups of confirmed cases. The writer's rows go in before each story, whose services number the
    cases after them."""
    stories = sorted(
        (work.latest - timedelta(days=work.rng.uniform(*STORY_AGE_DAYS[name])), name)
        for name, count in CASE_PLAN
        for _ in range(count)
    )
    writer = RowWriter()
    for start, item in heapq.merge(year, stories, key=lambda entry: entry[0]):
        if isinstance(item, str):
            writer.flush()
            work.moment = start
            STORIES[item](work)
        else:
            writer.write(item)  # type: ignore[arg-type]  # what is not a story's name is a day's calls
    writer.flush()
    for _ in range(FOLLOW_UPS):
        work.moment = work.latest - timedelta(days=work.rng.uniform(0, 3))
        enterprise.follow_up(work)


def planner_statistics_update() -> None:
    """Let PostgreSQL's planner see the demo's fresh rows at once: until autovacuum analyses the new tables it plans
    for empty ones, and a page joining the year's cases to their visibility can then take minutes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
