"""Seeding the demo: the district's master data, then about two hundred cases, each following one story,
at moments spread over the past weeks, then the people's e-mail addresses.

All random choices come from one seeded generator, so two empty databases get the same demo.
"""

import random
from collections.abc import Callable
from datetime import timedelta

from .casework import Casework
from .district import DemoDistrict
from .stories import bureau, dispatcher, duplicates, enterprise, supervisor

# The generator's seed: every run on an empty database makes the same district and the same stories.
SEED = 2026

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
    "merged_duplicate": duplicates.merged_duplicate,
    "duplicate_waiting": duplicates.duplicate_waiting,
}


def demo_seed() -> None:
    """Write the whole demo; call it inside one transaction on a database without the demo district."""
    district = DemoDistrict(random.Random(SEED))
    district.build()
    cases_seed(Casework(district))
    district.give_addresses()


def cases_seed(work: Casework) -> None:
    """Every story of the plan, in the order their cases were filed, then the follow-ups of confirmed cases."""
    plan = sorted(
        (work.latest - timedelta(days=work.rng.uniform(*STORY_AGE_DAYS[name])), name)
        for name, count in CASE_PLAN
        for _ in range(count)
    )
    for start, name in plan:
        work.moment = start
        STORIES[name](work)
    for _ in range(FOLLOW_UPS):
        work.moment = work.latest - timedelta(days=work.rng.uniform(0, 3))
        enterprise.follow_up(work)
