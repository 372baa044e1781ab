"""How a re-check sample is drawn: which month, at which rate, and which cases, reproducibly.

The draw is a pure function of the seed and the population: every case gets
the SHA-256 of "<seed>:<case id>" as its key and the lowest keys are drawn, so
the same seed and population give the same sample on any machine and any
Python version, whatever order the database returns the rows in.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.errors import InvalidInput

from ..rates.periods import Period, period_of_month, period_parse

# Seeds stay below 10^15 so that they are exact as JSON numbers in every client (JavaScript included).
SEED_LIMIT = 10**15
MONTH_LABEL = re.compile(r"\d{4}-\d{2}")


def default_rate_percent() -> int:
    rate = settings.HUIYIN["RECHECK_RATE_PERCENT"]
    if not isinstance(rate, int) or not 1 <= rate <= 100:
        raise ImproperlyConfigured("HUIYIN['RECHECK_RATE_PERCENT'] must be a whole number from 1 to 100.")
    return rate


def month_parse(text: str) -> Period:
    """A calendar month in Asia/Shanghai, "2026-10"; quarters and years are refused."""
    period = period_parse(text)
    if not MONTH_LABEL.fullmatch(period.label):
        message = _('Give the month as "2026-10": a sample covers one calendar month.')
        raise InvalidInput(message, code="period", fields={"period": [message]})
    return period


def previous_month(now: datetime) -> Period:
    return period_of_month(period_of_month(now).start - timedelta(days=1))


@dataclass(frozen=True)
class Candidate:
    case_id: int
    unit_id: int
    assignee_id: int | None


def _draw_key(seed: int, case_id: int) -> str:
    return hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest()


def sample_size(population: int, rate_percent: int) -> int:
    """The rate's share of the population, rounded up: 5 % of 21 cases is 2."""
    return (population * rate_percent + 99) // 100


def draw(population: Iterable[Candidate], *, seed: int, rate_percent: int) -> list[Candidate]:
    """The drawn candidates in draw order: first the lowest key of each unit, then the lowest keys overall
    until the rate's share is reached. The per-unit picks count toward the share."""
    ranked = sorted(population, key=lambda candidate: (_draw_key(seed, candidate.case_id), candidate.case_id))
    chosen: set[int] = set()
    units: set[int] = set()
    for candidate in ranked:
        if candidate.unit_id not in units:
            units.add(candidate.unit_id)
            chosen.add(candidate.case_id)
    for candidate in ranked:
        if len(chosen) >= sample_size(len(ranked), rate_percent):
            break
        chosen.add(candidate.case_id)
    return [candidate for candidate in ranked if candidate.case_id in chosen]


def population_digest(case_ids: Iterable[int]) -> str:
    return hashlib.sha256(",".join(str(case_id) for case_id in sorted(case_ids)).encode()).hexdigest()
