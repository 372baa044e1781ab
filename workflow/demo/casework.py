"""The steps every demo story is made of: file, route, sign for, reply, resolve, reopen, confirm.

Each step is written through the workflow's services at a moment in the past (under time_machine, so that
the clocks, the events, the notifications and the rows' own times all say that moment), some hours after the
step before and never after now, so each case has the event history, deadlines and notifications a real case
would have. Every choice comes from the district's seeded generator.
"""

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from cases.models import Case, CaseState, Complexity, ResolutionType, Visibility
from enterprises.models import Enterprise, Unit
from workflow.selectors import work_calendar
from workflow.services import (
    case_accept,
    case_assign,
    case_close,
    case_file,
    case_reopen,
    case_resolve,
    case_send_back,
    comment_add,
)

from .district import (
    COMMERCE_BUREAU,
    DEMO_SERVICE,
    HOUSING_BUREAU,
    INDUSTRY_BUREAU,
    LABOUR_BUREAU,
    LAND_BUREAU,
    MARKET_BUREAU,
    REFORM_BUREAU,
    DemoDistrict,
)
from .texts import (
    ENTERPRISE_REPLIES,
    INTERNAL_NOTES,
    OTHER_REPLIES,
    PARTLY_SOLVED_SUFFIX,
    PROBLEMS,
    PROGRESS_REPLIES,
    REOPEN_REASONS,
    REPEATED_REPLY_PREFIX,
    SATISFACTION_COMMENTS,
    SEND_BACK_REASONS,
    Problem,
)

Result = TypeVar("Result")

# Stands for the enterprise's own township or street in CATEGORY_UNITS.
OWN_TOWNSHIP = ""
# Where the dispatcher sends a case of each category; two or more choices, so a returned case can go elsewhere.
CATEGORY_UNITS = {
    "financing": (REFORM_BUREAU, INDUSTRY_BUREAU),
    "approval": (REFORM_BUREAU, LAND_BUREAU, HOUSING_BUREAU),
    "legal": (MARKET_BUREAU, COMMERCE_BUREAU),
    "infrastructure": (OWN_TOWNSHIP, LAND_BUREAU, HOUSING_BUREAU),
    "business_environment": (MARKET_BUREAU, COMMERCE_BUREAU, REFORM_BUREAU),
    "livelihood": (OWN_TOWNSHIP, LABOUR_BUREAU),
    "talent": (LABOUR_BUREAU, INDUSTRY_BUREAU),
}
# Categories whose problems more often need several departments or a leader (大事集中会办).
OFTEN_COMPLEX = ("approval", "infrastructure")
# The demo contacts' enterprises come up this many times as often as the others.
DEMO_ENTERPRISE_WEIGHT = 5

# After the enterprise rejected an answer, the second answer is real work, not another explanation.
SECOND_RESOLUTION_WEIGHTS = {ResolutionType.SOLVED: 75, ResolutionType.PARTLY_SOLVED: 25}
RESOLUTION_WEIGHTS = {
    ResolutionType.SOLVED: 65,
    ResolutionType.PARTLY_SOLVED: 15,
    ResolutionType.EXPLAINED: 12,
    ResolutionType.UNFOUNDED: 4,
    ResolutionType.NOT_OUR_DUTY: 4,
}
# Enterprises rate a solved problem higher than an explanation why it cannot be solved.
SOLVED_RATINGS = {5: 50, 4: 30, 3: 12, 2: 5, 1: 3}
UNSOLVED_RATINGS = {5: 10, 4: 25, 3: 35, 2: 20, 1: 10}
AFTER_REOPEN_RATINGS = {5: 15, 4: 35, 3: 30, 2: 15, 1: 5}
# 不满意 and 非常不满意: each opens a rectification (整改) of the unit that answered.
BAD_RATINGS = {2: 65, 1: 35}
SOLVED_TYPES = (ResolutionType.SOLVED, ResolutionType.PARTLY_SOLVED)
STEP_HOURS = (0.5, 20)


def on_a_weekday(moment: datetime) -> datetime:
    """Move a deadline off the weekend; holidays are left to the working-day calendar of the services."""
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


class Casework:
    """The story clock and the steps, acting with the people and places of the district."""

    def __init__(self, district: DemoDistrict) -> None:
        self.district = district
        self.rng: random.Random = district.rng
        self.latest = timezone.now() - timedelta(minutes=1)
        self.moment = self.latest
        self.confirmed_cases: list[Case] = []
        self.calendar = work_calendar()

    def act(self, service: Callable[..., Result], **arguments: object) -> Result:
        """Each step of a story happens some hours after the one before, and never after now."""
        return self.act_at(self.moment + timedelta(hours=self.rng.uniform(*STEP_HOURS)), service, **arguments)

    def act_at(self, moment: datetime, service: Callable[..., Result], **arguments: object) -> Result:
        self.moment = min(moment, self.latest)
        with time_machine.travel(self.moment, tick=False):
            return service(**arguments)

    def filing_moment(self, moment: datetime) -> datetime:
        """Nobody files on the days off of a statutory holiday: such a case comes the next working morning, or,
        when that is still to come, the last working afternoon before."""
        day = self.calendar.local_date(moment)
        rule = self.calendar.day_rule(day)
        if rule.is_workday or not rule.name:
            return moment
        after = day
        while not self.calendar.is_workday(after):
            after += timedelta(days=1)
        opening = self.calendar.start_of_day(after) + timedelta(minutes=self.rng.randrange(30, 90))
        if opening <= self.latest:
            return opening
        before = self.calendar.previous_workday(day)
        return self.calendar.end_of_day(before) - timedelta(minutes=self.rng.randrange(30, 120))

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def pick_enterprise(self, *, served: bool | None = None) -> Enterprise:
        """A named enterprise, the demo contacts' ones more often; ``served`` narrows to those with(out) a cadre."""
        pool = [
            enterprise
            for enterprise in self.district.walkthrough_enterprises
            for _ in range(DEMO_ENTERPRISE_WEIGHT if enterprise.name in DEMO_SERVICE else 1)
            if served is None or served == (enterprise.pk in self.district.serving_cadre)
        ]
        return self.rng.choice(pool)

    def weighted(self, weights: dict[Result, int]) -> Result:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def contact(self, enterprise_id: int) -> User:
        """The person who speaks for the enterprise in the demo: its first contact."""
        return self.district.contacts[enterprise_id][0]

    def demo_enterprise(self, username: str) -> Enterprise:
        """The enterprise a demo contact speaks for."""
        return next(
            enterprise
            for enterprise in self.district.enterprises
            if self.contact(enterprise.pk) == self.district.users[username]
        )

    def assignee(self, case: Case) -> User:
        return self.district.users_by_pk[case.assignee_id]

    def unit_for(self, case: Case, *, exclude: int | None = None) -> Unit:
        """Where the dispatcher sends a case of this category, other than the unit that had it."""
        township = self.district.units_by_pk[case.enterprise.township_id]
        names = CATEGORY_UNITS[self.district.categories_by_pk[case.category_id].code]
        candidates = [township if name == OWN_TOWNSHIP else self.district.units[name] for name in names]
        return self.rng.choice([unit for unit in candidates if unit.pk != exclude])

    def tight_deadlines(self) -> dict[str, datetime]:
        """Sign for it by the next weekday, solve it within days: what the dispatcher sets for an urgent case."""
        base = timezone.localtime(self.moment).replace(hour=17, minute=30, second=0, microsecond=0)
        response = on_a_weekday(base + timedelta(days=2))
        resolution = on_a_weekday(response + timedelta(days=self.rng.randint(2, 4)))
        return {"response_due_at": response, "resolution_due_at": resolution}

    def file(self, enterprise: Enterprise, problem: Problem, *, follows_up: Case | None = None) -> Case:
        """Mostly the enterprise files; sometimes its cadre files on its behalf (代企填报)."""
        cadre = self.district.serving_cadre.get(enterprise.pk)
        filer = cadre if cadre is not None and self.chance(0.15) else self.contact(enterprise.pk)
        odds = 0.35 if problem.category in OFTEN_COMPLEX else 0.1
        complexity = Complexity.COMPLEX if self.chance(odds) else Complexity.ORDINARY
        return self.act_at(
            self.filing_moment(min(self.moment + timedelta(hours=self.rng.uniform(*STEP_HOURS)), self.latest)),
            case_file,
            acting_user=filer,
            enterprise=enterprise,
            category=self.district.categories[problem.category],
            title=problem.title,
            description=problem.description,
            complexity=complexity,
            follows_up=follows_up,
        )

    def file_new(self, *, served: bool | None = None) -> tuple[Case, Problem]:
        problem = self.rng.choice(PROBLEMS)
        return self.file(self.pick_enterprise(served=served), problem), problem

    def dispatch(self, case: Case, *, urgent: bool = False, exclude: int | None = None) -> Case:
        """Route to a cadre of a unit fit for the category; deadlines follow the policy unless urgent."""
        unit = self.unit_for(case, exclude=exclude)
        return self.act(
            case_assign,
            case=case,
            acting_user=self.district.users["dispatcher"],
            assignee=self.rng.choice(self.district.cadres[unit.pk]),
            unit=unit,
            **(self.tight_deadlines() if urgent else {}),
        )

    def routed(self, case: Case) -> Case:
        """A case that did not route itself to a cadre on filing is routed by the dispatcher."""
        return self.dispatch(case) if case.state == CaseState.OPENED else case

    def send_back(self, case: Case) -> Case:
        return self.act(
            case_send_back, case=case, acting_user=self.assignee(case), reason=self.rng.choice(SEND_BACK_REASONS)
        )

    def accept(self, case: Case) -> Case:
        return self.act(case_accept, case=case, acting_user=self.assignee(case))

    def say(self, case: Case, author: User, texts: tuple[str, ...], visibility: str = Visibility.PUBLIC) -> None:
        self.act(comment_add, case=case, acting_user=author, body=self.rng.choice(texts), visibility=visibility)

    def work_on(self, case: Case) -> Case:
        """Sign for the case (mostly), tell the enterprise what happens, sometimes note it internally."""
        if self.chance(0.8):
            case = self.accept(case)
        if self.chance(0.6):
            self.say(case, self.assignee(case), PROGRESS_REPLIES)
        if self.chance(0.3):
            self.say(case, self.contact(case.enterprise_id), ENTERPRISE_REPLIES)
        if self.chance(0.3):
            self.say(case, self.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)
        return case

    def resolve(self, case: Case, problem: Problem, *, again: bool = False) -> Case:
        """The assignee answers, or now and then the unit head does it for them."""
        resolution_type = self.weighted(SECOND_RESOLUTION_WEIGHTS if again else RESOLUTION_WEIGHTS)
        reply = OTHER_REPLIES.get(resolution_type, problem.reply)
        if resolution_type == ResolutionType.PARTLY_SOLVED:
            reply += PARTLY_SOLVED_SUFFIX
        if again:
            reply = REPEATED_REPLY_PREFIX + reply
        head = self.district.heads.get(case.responsible_unit_id)
        resolver = head if head is not None and self.chance(0.15) else self.assignee(case)
        return self.act(case_resolve, case=case, acting_user=resolver, resolution_type=resolution_type, reply=reply)

    def resolved(self, *, served: bool | None = None) -> tuple[Case, Problem]:
        case, problem = self.file_new(served=served)
        return self.resolve(self.work_on(self.routed(case)), problem), problem

    def reopen(self, case: Case) -> Case:
        return self.act(
            case_reopen, case=case, acting_user=self.contact(case.enterprise_id), reason=self.rng.choice(REOPEN_REASONS)
        )

    def confirm(self, case: Case, *, after_reopen: bool = False) -> Case:
        if after_reopen:
            ratings = AFTER_REOPEN_RATINGS
        else:
            ratings = SOLVED_RATINGS if case.resolution_type in SOLVED_TYPES else UNSOLVED_RATINGS
        rating = self.weighted(ratings)
        comment = self.rng.choice(SATISFACTION_COMMENTS[rating]) if self.chance(0.7) else ""
        case = self.act(
            case_close, case=case, acting_user=self.contact(case.enterprise_id), satisfaction=rating, comment=comment
        )
        self.confirmed_cases.append(case)
        return case
