"""How big the dataset is and in what proportions: ``Shape``, the shares the draws follow, and the weighted
draws; apart so that the district, the case plans and the stories read the same figures.
"""

import itertools
from bisect import bisect_right
from dataclasses import dataclass
from random import Random

from cases.models import CaseState

from .. import vocabulary as words

STATE_SHARES = (
    (CaseState.OPENED, 0.10),
    (CaseState.ASSIGNED, 0.30),
    (CaseState.RESOLVED, 0.10),
    (CaseState.CLOSED, 0.50),
)
OVERDUE_SHARE = 0.05
CATEGORY_SHARES = {
    "infrastructure": 0.22,
    "business_environment": 0.20,
    "approval": 0.18,
    "financing": 0.15,
    "livelihood": 0.12,
    "legal": 0.07,
    "talent": 0.06,
}
OFTEN_COMPLEX = ("approval", "infrastructure")
# Where the dispatch room sends a category's case when no serving cadre takes it (bureaus by name).
DISPATCH_BUREAUS = {
    "financing": ("金融服务办公室", "发展和改革局", "财政局"),
    "approval": ("行政审批局", "发展和改革局", "自然资源局", "住房和城乡建设局"),
    "legal": ("司法局", "市场监督管理局"),
    "business_environment": ("营商环境建设监督局", "市场监督管理局", "商务局"),
    "talent": ("人力资源和社会保障局", "科学技术局"),
}
# The bureaus most enterprises are served by (三级包保), before all others.
SERVING_BUREAUS = ("工业和信息化局", "发展和改革局", "商务局", "投资促进局", "经济开发区管委会", "科学技术局")
SATISFACTION_WEIGHTS = ((5, 0.60), (4, 0.25), (3, 0.10), (2, 0.035), (1, 0.015))


@dataclass(frozen=True)
class Shape:
    """How many of everything a dataset of ``cases`` cases has."""

    cases: int
    enterprises: int
    cadres: int
    bureaus: int
    townships: int
    dispatchers: int
    district_supervisors: int
    local_supervisors: int
    leaders: int

    @classmethod
    def for_cases(cls, cases: int) -> "Shape":
        scale = cases / 1_000_000
        townships = min(len(words.TOWNSHIPS), max(2, cases // 4_500))
        return cls(
            cases=cases,
            enterprises=max(12, round(50_000 * scale)),
            cadres=max(10, round(2_000 * scale)),
            bureaus=min(len(words.BUREAUS), max(4, cases // 2_500)),
            townships=townships,
            dispatchers=2 + cases // 250_000,
            district_supervisors=2 + cases // 500_000,
            local_supervisors=townships // 4,
            leaders=3 + cases // 100_000,
        )


def cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: Random, items: list, totals: list[float]):
    return items[bisect_right(totals, rng.random() * totals[-1])]


def weighted(rng: Random, choices) -> object:
    value, position = rng.random(), 0.0
    for item, share in choices:
        position += share
        if value < position:
            return item
    return choices[-1][0]
