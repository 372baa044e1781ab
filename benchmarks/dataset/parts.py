"""What the district hands to the case plans and stories: who is who, an enterprise, a case's plan, a clock;
apart so that each side reads them without importing the other.
"""

from dataclasses import dataclass, field
from datetime import datetime
from random import Random

from cases.models import Category


@dataclass
class People:
    """Who is who, by id: what the case histories draw on."""

    unit_name: dict[int, str] = field(default_factory=dict)
    unit_kind: dict[int, str] = field(default_factory=dict)
    username: dict[int, str] = field(default_factory=dict)
    cadres_of: dict[int, list[int]] = field(default_factory=dict)
    head_of: dict[int, int] = field(default_factory=dict)
    bureau_by_name: dict[str, int] = field(default_factory=dict)
    bureaus: list[int] = field(default_factory=list)
    townships: list[int] = field(default_factory=list)
    dispatchers: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)
    leaders: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Firm:
    """An enterprise as the histories need it."""

    id: int
    name: str
    contact: int
    township: int
    unit: int  # the responsible unit of its 包保
    cadre: int | None  # its serving cadre; without one, every case waits for the dispatch room


@dataclass
class Plan:
    """The first draws of a case: enough to know when it was filed. ``story`` continues from here."""

    rng: Random
    firm: Firm
    category: Category
    complexity: str
    state: str
    overdue: bool
    closure: str = ""
    sent_back: bool = False  # sent back once before its current assignment (or waiting, if opened)
    extended: bool = False
    reopened: bool = False
    times: dict[str, datetime] = field(default_factory=dict)

    @property
    def filed_at(self) -> datetime:
        return self.times["file"]


@dataclass
class Clock:
    id: int
    kind: str
    started_by: str
    started_at: datetime
    workdays: int
    due_at: datetime
    provisional: bool
    due_fixed: bool
    responsible: int | None
    unit: int | None
    ended_at: datetime | None = None
    outcome: str = ""
    breached: bool = False
    urged_at: datetime | None = None
