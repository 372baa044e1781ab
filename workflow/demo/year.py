"""The year before the demo's present: the district's cases over twelve months, on a believable rhythm.

Enterprises file on working days, a little at weekends, and not on the days off of a statutory holiday (nobody
files on 国庆 day); more in the weeks before the Spring Festival (春节), when wages, loans and raw materials
press, and fewer in the week after it. Each case follows a history a district of this size sees: most are
signed for and answered within their deadline and confirmed, some are late (and urged by the sweep), sent back
and routed anew, handed to a colleague, given more time, rejected once, crossed off by the supervision office or
by the sweep when the enterprise never answers, or withdrawn. A history that would still run at the present is
left out: the open work is the desks' stories (``stories/``). Each month a few complex cases wait, signed for,
for the joint review meeting, which the supervision demo holds (``seed_demo_supervision``).

Every draw comes from the year's own generator, so the desks' stories do not change with it; the moments come
from the working-day calendar, so deadlines and the steps that meet or miss them agree.
"""

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.contrib.auth.models import User

from cases.models import Case, Category, Complexity, ResolutionType, Visibility
from enterprises.models import Enterprise, Unit
from workflow.deadlines import PolicyBook
from workflow.selectors import work_calendar
from workflow.services import (
    case_accept,
    case_assign,
    case_close,
    case_file,
    case_reassign,
    case_reopen,
    case_resolve,
    case_send_back,
    case_withdraw,
    comment_add,
    extension_request_create,
)

from .calls import Call, extension_decide_pending, sweep_closes_unanswered, sweep_urges_overdue
from .casework import OFTEN_COMPLEX, OTHER_REPLIES, PARTLY_SOLVED_SUFFIX, REPEATED_REPLY_PREFIX, SOLVED_TYPES
from .district import (
    APPROVAL_BUREAU,
    BUSINESS_BUREAU,
    COMMERCE_BUREAU,
    ENVIRONMENT_BUREAU,
    FINANCE_BUREAU,
    HOUSING_BUREAU,
    INDUSTRY_BUREAU,
    LABOUR_BUREAU,
    LAND_BUREAU,
    MARKET_BUREAU,
    REFORM_BUREAU,
    SAFETY_BUREAU,
    SCIENCE_BUREAU,
    TRANSPORT_BUREAU,
    DemoDistrict,
)
from .texts import (
    ENTERPRISE_REPLIES,
    EXTENSION_GRANTED,
    EXTENSION_REASONS,
    FESTIVAL_PROBLEMS,
    INTERNAL_NOTES,
    JOINT_REVIEW_NOTE,
    PROBLEMS,
    PROGRESS_REPLIES,
    REASSIGN_NOTES,
    REOPEN_REASONS,
    SATISFACTION_COMMENTS,
    SEND_BACK_REASONS,
    SUPERVISOR_CLOSE_NOTES,
    WINTER_PROBLEMS,
    WITHDRAW_REASONS,
    Problem,
)

YEAR_DAYS = 365
# About 3,100 cases a year with the desks' stories: some 11 a working day over some 250 working days.
CASES_PER_WORKDAY = 11.4
WEEKEND_WEIGHT = 0.12
FESTIVAL = "春节"
# The weeks before the festival: wages, loans and raw materials press; the week after it, work restarts slowly.
RUSH_DAYS, RUSH_WEIGHT = 21, 1.7
SLOW_DAYS, SLOW_WEIGHT = 7, 0.6
# Filing by hour of day, from 07:00 to 22:00: online, mostly in office hours.
FILING_HOURS = range(7, 23)
FILING_HOUR_WEIGHTS = (1, 4, 8, 9, 8, 4, 3, 7, 8, 7, 5, 2, 2, 2, 1, 1)
CATEGORY_SHARES = {
    "infrastructure": 22,
    "business_environment": 16,
    "approval": 16,
    "financing": 15,
    "livelihood": 13,
    "legal": 9,
    "talent": 9,
}
# Stands for the enterprise's own township or street.
OWN_TOWNSHIP = ""
# Where the dispatch room sends a category's case when no cadre of the enterprise takes it.
ROUTES = {
    "financing": (REFORM_BUREAU, FINANCE_BUREAU, INDUSTRY_BUREAU),
    "approval": (APPROVAL_BUREAU, REFORM_BUREAU, LAND_BUREAU, HOUSING_BUREAU, ENVIRONMENT_BUREAU),
    "legal": (MARKET_BUREAU, COMMERCE_BUREAU, BUSINESS_BUREAU),
    "infrastructure": (OWN_TOWNSHIP, LAND_BUREAU, HOUSING_BUREAU, TRANSPORT_BUREAU),
    "business_environment": (BUSINESS_BUREAU, MARKET_BUREAU, COMMERCE_BUREAU),
    "livelihood": (OWN_TOWNSHIP, LABOUR_BUREAU, SAFETY_BUREAU),
    "talent": (LABOUR_BUREAU, SCIENCE_BUREAU),
}
FILED_BY_CADRE = 0.12
WITHDRAWN = 0.04
SENT_BACK = 0.06
SIGNED_FOR, SIGNED_FOR_LATE = 0.86, 0.08
HANDED_ON = 0.04
PUBLIC_REPLY, ENTERPRISE_REPLY, INTERNAL_NOTE = 0.65, 0.25, 0.2
MORE_TIME = {Complexity.ORDINARY: 0.015, Complexity.COMPLEX: 0.06}
# Late answers are mostly a day or two late; the sweep urges the few still unanswered three working days after.
LATE, MEAN_WORKDAYS_LATE = 0.2, 1.8
ANSWERED_BY_HEAD = 0.15
REJECTED_ONCE = 0.05
# After an answer: the enterprise confirms, lets the five days pass (the sweep closes it), or the office closes it.
ENDINGS = {"confirmed": 83, "no_answer": 12, "by_supervisor": 5}
RESOLUTION_WEIGHTS = {
    ResolutionType.SOLVED: 70,
    ResolutionType.PARTLY_SOLVED: 12,
    ResolutionType.EXPLAINED: 12,
    ResolutionType.UNFOUNDED: 3,
    ResolutionType.NOT_OUR_DUTY: 3,
}
# A year's ratings: a satisfaction rate in the nineties, as districts report; a 2 or 1 opens a rectification.
SOLVED_RATINGS = {5: 62, 4: 26, 3: 8, 2: 3, 1: 1}
UNSOLVED_RATINGS = {5: 20, 4: 35, 3: 30, 2: 11, 1: 4}
AFTER_REOPEN_RATINGS = {5: 25, 4: 35, 3: 25, 2: 11, 1: 4}
# Complex cases that wait for the joint review meeting each month, from the first whole month to the one before last.
JOINT_REVIEW_PER_MONTH = 2
JOINT_REVIEW_CATEGORIES = ("approval", "infrastructure")


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's count of arrivals: how many cases come on a day whose mean is ``mean``."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class CaseDraft:
    """The calls of one case as they are drawn, with what later steps depend on: who has it, since when, by when."""

    def __init__(self, year: "YearOfCases", enterprise: Enterprise, category: Category, complexity: str) -> None:
        self.year = year
        self.enterprise = enterprise
        self.category = category
        self.policy = year.policies.for_case(Case(category=category, complexity=complexity))
        self.calls: list[Call] = []
        self.moment: datetime | None = None
        self.assignee: User | None = None
        self.unit: Unit | None = None
        self.assigned_at: datetime | None = None
        self.due_at: datetime | None = None
        self.signed_for = False
        # A case keeps its urging level once urged (only a supervisor lowers it): the sweep urges it once at most.
        self.urged = False

    def add(self, moment: datetime, service, **arguments) -> datetime:
        self.calls.append(Call(moment, service, arguments))
        self.moment = moment
        return moment

    def assigned(self, moment: datetime, assignee: User, unit: Unit, *, keep_due: bool = False) -> None:
        self.assignee, self.unit, self.assigned_at, self.signed_for = assignee, unit, moment, False
        if not keep_due:
            self.due_at = self.year.calendar.add_workdays(moment, self.policy.resolution_workdays).due_at


class YearOfCases:
    """Draws the year's histories; ``histories`` gives them in the order they were filed."""

    def __init__(self, district: DemoDistrict, *, end: datetime, rng: random.Random) -> None:
        self.district = district
        self.rng = rng
        self.end = end
        self.start = end - timedelta(days=YEAR_DAYS)
        self.calendar = work_calendar()
        self.policies = PolicyBook()
        self.hours_a_day = sum(
            (datetime.combine(date.min, end_) - datetime.combine(date.min, start)).total_seconds() / 3600
            for start, end_ in self.calendar.hours.periods
        )
        self.festivals = self.festival_days()
        # Some enterprises file far more than others.
        self.enterprise_totals = list(accumulate(rng.lognormvariate(0, 0.8) for _ in district.enterprises))
        self.contact_of = {pk: users[0] for pk, users in district.contacts.items()}
        users = district.users
        self.dispatchers = [users["dispatcher"], users["dispatcher"], users["dispatcher2"]]
        self.supervisors = [users["supervisor"], users["supervisor"], users["supervisor2"]]

    # --- the rhythm ------------------------------------------------------------------------------------------

    def festival_days(self) -> list[date]:
        """The first day off of each Spring Festival near the year."""
        firsts, day = [], self.calendar.local_date(self.start) - timedelta(days=40)
        while day <= self.calendar.local_date(self.end) + timedelta(days=40):
            rule = self.calendar.day_rule(day)
            if rule.name == FESTIVAL and not rule.is_workday and (not firsts or day - firsts[-1] > timedelta(days=60)):
                firsts.append(day)
            day += timedelta(days=1)
        return firsts

    def weight(self, day: date) -> float:
        """How busy a day is, relative to an ordinary working day."""
        rule = self.calendar.day_rule(day)
        if not rule.is_workday:
            return 0.0 if rule.name else WEEKEND_WEIGHT
        for festival in self.festivals:
            if timedelta(0) < festival - day <= timedelta(days=RUSH_DAYS):
                return RUSH_WEIGHT
            if timedelta(0) < day - festival <= timedelta(days=SLOW_DAYS + 8):
                return SLOW_WEIGHT
        return 1.0

    def before_festival(self, day: date) -> bool:
        return any(timedelta(0) < festival - day <= timedelta(days=RUSH_DAYS) for festival in self.festivals)

    def filing_moments(self) -> Iterator[datetime]:
        day, last = self.calendar.local_date(self.start) + timedelta(days=1), self.calendar.local_date(self.end)
        while day <= last:
            for _ in range(poisson(self.rng, CASES_PER_WORKDAY * self.weight(day))):
                hour = self.rng.choices(FILING_HOURS, weights=FILING_HOUR_WEIGHTS)[0]
                yield datetime.combine(day, time(hour, self.rng.randrange(60)), tzinfo=self.calendar.tz)
            day += timedelta(days=1)

    # --- the histories ---------------------------------------------------------------------------------------

    def histories(self) -> list[tuple[datetime, list[Call]]]:
        """Every case of the year that is over by now, and the joint review's waiting ones, by filing time."""
        drafts = [self.joint_review_case(moment) for moment in self.joint_review_moments()]
        for moment in self.filing_moments():
            draft = self.case_history(moment)
            if draft is not None and draft.moment < self.end:
                drafts.append(draft)
        drafts.sort(key=lambda draft: draft.calls[0].at)
        return [(draft.calls[0].at, draft.calls) for draft in drafts]

    def later(self, moment: datetime, workdays: float) -> datetime:
        """``workdays`` of working time after ``moment``: officials act in office hours."""
        return self.calendar.add_working_hours(moment, max(workdays, 0.01) * self.hours_a_day).due_at

    def between(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def problem(self, category: str, day: date) -> Problem:
        seasonal = [problem for problem in FESTIVAL_PROBLEMS if self.before_festival(day)]
        if day.month in (11, 12, 1, 2, 3):
            seasonal += WINTER_PROBLEMS
        seasonal = [problem for problem in seasonal if problem.category == category]
        if seasonal and self.chance(0.35):
            return self.rng.choice(seasonal)
        return self.rng.choice([problem for problem in PROBLEMS if problem.category == category])

    def file(self, moment: datetime, *, categories: tuple[str, ...] | None = None) -> tuple[CaseDraft, Problem]:
        district = self.district
        enterprise = self.rng.choices(district.enterprises, cum_weights=self.enterprise_totals)[0]
        if categories is None:
            shares = dict(CATEGORY_SHARES)
            if self.before_festival(self.calendar.local_date(moment)):
                shares["financing"], shares["livelihood"] = shares["financing"] * 1.6, shares["livelihood"] * 1.8
            category_code = self.weighted(shares)
        else:
            category_code = self.rng.choice(categories)
        problem = self.problem(category_code, self.calendar.local_date(moment))
        odds = 0.35 if category_code in OFTEN_COMPLEX else 0.1
        complexity = Complexity.COMPLEX if categories or self.chance(odds) else Complexity.ORDINARY
        category = district.categories[category_code]
        draft = CaseDraft(self, enterprise, category, complexity)
        cadre = district.serving_cadre.get(enterprise.pk)
        filer = cadre if cadre is not None and self.chance(FILED_BY_CADRE) else self.contact_of[enterprise.pk]
        draft.add(
            moment,
            case_file,
            acting_user=filer,
            enterprise=enterprise,
            category=category,
            title=problem.title,
            description=problem.description,
            complexity=complexity,
        )
        if cadre is not None and category.route_to_serving_cadre:
            draft.assigned(moment, cadre, district.serving_unit[enterprise.pk])
        else:
            self.dispatch(draft, self.later(moment, self.between(0.05, 0.8)))
        return draft, problem

    def unit_for(self, draft: CaseDraft, *, exclude: Unit | None = None) -> Unit:
        names = ROUTES[draft.category.code]
        township = self.district.units_by_pk[draft.enterprise.township_id]
        units = [township if name == OWN_TOWNSHIP else self.district.units[name] for name in names]
        return self.rng.choice([unit for unit in units if unit != exclude])

    def dispatch(self, draft: CaseDraft, moment: datetime, *, exclude: Unit | None = None) -> None:
        unit = self.unit_for(draft, exclude=exclude)
        assignee = self.rng.choice(self.district.cadres[unit.pk])
        draft.add(moment, case_assign, acting_user=self.rng.choice(self.dispatchers), assignee=assignee, unit=unit)
        draft.assigned(moment, assignee, unit)

    def sign_for(self, draft: CaseDraft, *, after: datetime) -> None:
        if not self.chance(SIGNED_FOR):
            return
        late = self.chance(SIGNED_FOR_LATE)
        draft.add(
            self.later(after, self.between(1.0, 2.0) if late else self.between(0.02, 0.9)),
            case_accept,
            acting_user=draft.assignee,
        )
        draft.signed_for = True

    def case_history(self, moment: datetime) -> CaseDraft | None:
        draft, problem = self.file(moment)
        contact = self.contact_of[draft.enterprise.pk]
        if self.chance(WITHDRAWN):
            if self.chance(0.5):
                self.sign_for(draft, after=draft.moment)
            draft.add(
                self.later(draft.moment, self.between(0.1, 2)),
                case_withdraw,
                acting_user=contact,
                reason=self.rng.choice(WITHDRAW_REASONS),
            )
            return draft
        if self.chance(SENT_BACK):
            moment = draft.add(
                self.later(draft.moment, self.between(0.1, 0.9)),
                case_send_back,
                acting_user=draft.assignee,
                reason=self.rng.choice(SEND_BACK_REASONS),
            )
            self.dispatch(draft, self.later(moment, self.between(0.05, 0.6)), exclude=draft.unit)
        self.sign_for(draft, after=draft.moment)
        self.hand_on(draft)
        self.talk(draft, contact)
        if self.chance(MORE_TIME[draft.policy.complexity]):
            self.more_time(draft)
        resolved = self.resolve(draft, problem)
        if resolved is None:
            return None
        if self.chance(REJECTED_ONCE):
            draft.add(
                self.later(draft.moment, self.between(0.2, 3)),
                case_reopen,
                acting_user=contact,
                reason=self.rng.choice(REOPEN_REASONS),
            )
            draft.due_at = self.calendar.add_workdays(draft.moment, draft.policy.reopen_workdays).due_at
            if self.resolve(draft, problem, again=True) is None:
                return None
            return self.end_of(draft, contact, ratings=AFTER_REOPEN_RATINGS)
        solved = draft.calls[-1].arguments["resolution_type"] in SOLVED_TYPES
        return self.end_of(draft, contact, ratings=SOLVED_RATINGS if solved else UNSOLVED_RATINGS)

    def hand_on(self, draft: CaseDraft) -> None:
        """The unit's head hands the case to a colleague, who signs for it anew."""
        head = self.district.heads.get(draft.unit.pk)
        colleagues = [cadre for cadre in self.district.cadres[draft.unit.pk] if cadre != draft.assignee]
        if head is None or not colleagues or not self.chance(HANDED_ON):
            return
        colleague = self.rng.choice(colleagues)
        draft.add(
            self.later(draft.moment, self.between(0.2, 1.5)),
            case_reassign,
            acting_user=head,
            assignee=colleague,
            note=self.rng.choice(REASSIGN_NOTES),
        )
        draft.assigned(draft.moment, colleague, draft.unit, keep_due=True)
        self.sign_for(draft, after=draft.moment)

    def talk(self, draft: CaseDraft, contact: User) -> None:
        if self.chance(PUBLIC_REPLY):
            draft.add(
                self.later(draft.moment, self.between(0.2, 2)),
                comment_add,
                acting_user=draft.assignee,
                body=self.rng.choice(PROGRESS_REPLIES),
            )
            if self.chance(ENTERPRISE_REPLY):
                draft.add(
                    self.later(draft.moment, self.between(0.05, 1)),
                    comment_add,
                    acting_user=contact,
                    body=self.rng.choice(ENTERPRISE_REPLIES),
                )
        if self.chance(INTERNAL_NOTE):
            draft.add(
                self.later(draft.moment, self.between(0.1, 1)),
                comment_add,
                acting_user=draft.assignee,
                body=self.rng.choice(INTERNAL_NOTES),
                visibility=Visibility.INTERNAL,
            )

    def more_time(self, draft: CaseDraft) -> None:
        """Asked a few days before the deadline, granted by the supervision office: five to ten working days more."""
        asked = max(self.later(draft.moment, 0.2), draft.due_at - timedelta(days=self.rng.randint(2, 4)))
        if asked >= draft.due_at:
            return
        new_day = self.calendar.local_date(self.calendar.add_workdays(draft.due_at, self.rng.randint(5, 10)).due_at)
        draft.add(
            asked,
            extension_request_create,
            acting_user=draft.assignee,
            requested_due_date=new_day,
            reason=self.rng.choice(EXTENSION_REASONS),
        )
        draft.add(
            self.later(asked, self.between(0.2, 1)),
            extension_decide_pending,
            acting_user=self.rng.choice(self.supervisors),
            approve=True,
            note=EXTENSION_GRANTED,
        )
        draft.due_at = self.calendar.end_of_day(new_day)

    def resolve(self, draft: CaseDraft, problem: Problem, *, again: bool = False) -> datetime | None:
        """On time mostly, somewhere in the window; late now and then, urged by the sweep when three days late."""
        window = self.calendar.workdays_between(draft.moment, draft.due_at)
        if self.chance(LATE) or window < 1:
            moment = self.later(draft.due_at, self.rng.expovariate(1 / MEAN_WORKDAYS_LATE))
            moment = max(moment, self.later(draft.moment, 0.1))
            urged = self.urged_at(draft.due_at)
            if urged < moment and draft.moment < urged and not draft.urged:
                draft.add(urged, sweep_urges_overdue)
                draft.urged = True
        else:
            moment = self.later(draft.moment, self.between(0.2, 0.95) * window)
        if moment >= self.end:
            return None
        resolution_type = self.weighted(
            {ResolutionType.SOLVED: 75, ResolutionType.PARTLY_SOLVED: 25} if again else RESOLUTION_WEIGHTS
        )
        reply = OTHER_REPLIES.get(resolution_type, problem.reply)
        if resolution_type == ResolutionType.PARTLY_SOLVED:
            reply += PARTLY_SOLVED_SUFFIX
        if again:
            reply = REPEATED_REPLY_PREFIX + reply
        head = self.district.heads.get(draft.unit.pk)
        resolver = head if head is not None and self.chance(ANSWERED_BY_HEAD) else draft.assignee
        return draft.add(moment, case_resolve, acting_user=resolver, resolution_type=resolution_type, reply=reply)

    def urged_at(self, due_at: datetime) -> datetime:
        """The sweep's first run on the third working day after the due day."""
        day = self.calendar.local_date(due_at)
        for _ in range(3):
            day += timedelta(days=1)
            while not self.calendar.is_workday(day):
                day += timedelta(days=1)
        return self.calendar.start_of_day(day) + timedelta(minutes=self.rng.randint(1, 2))

    def end_of(self, draft: CaseDraft, contact: User, *, ratings: dict[int, int]) -> CaseDraft:
        resolved_at = draft.moment
        ending = self.weighted(ENDINGS)
        if ending == "confirmed":
            rating = self.weighted(ratings)
            comment = self.rng.choice(SATISFACTION_COMMENTS[rating]) if self.chance(0.6) else ""
            draft.add(
                self.later(resolved_at, self.between(0.05, 4.5)),
                case_close,
                acting_user=contact,
                satisfaction=rating,
                comment=comment,
            )
        elif ending == "no_answer":
            due = self.calendar.add_workdays(resolved_at, draft.policy.confirmation_workdays).due_at
            moment = self.calendar.next_working_moment(due) + timedelta(minutes=self.rng.randint(1, 2))
            draft.add(moment, sweep_closes_unanswered)
        else:
            draft.add(
                self.later(resolved_at, self.between(2, 4.5)),
                case_close,
                acting_user=self.rng.choice(self.supervisors),
                comment=self.rng.choice(SUPERVISOR_CLOSE_NOTES),
            )
        return draft

    # --- the joint review's cases ----------------------------------------------------------------------------

    def joint_review_moments(self) -> Iterator[datetime]:
        """Early in each whole month of the year but the last two, a few complex cases are filed."""
        first = self.calendar.local_date(self.start).replace(day=1)
        month = (first + timedelta(days=32)).replace(day=1)
        last = self.calendar.local_date(self.end).replace(day=1)
        while (last.year - month.year) * 12 + last.month - month.month >= 2:
            for _ in range(JOINT_REVIEW_PER_MONTH):
                day = month + timedelta(days=self.rng.randint(1, 9))
                while not self.calendar.is_workday(day):
                    day += timedelta(days=1)
                yield datetime.combine(day, time(self.rng.randint(9, 16), self.rng.randrange(60)), self.calendar.tz)
            month = (month + timedelta(days=32)).replace(day=1)

    def joint_review_case(self, moment: datetime) -> CaseDraft:
        """Signed for and worked on, then noted for the joint review meeting; it stays with its assignee."""
        draft, _problem = self.file(moment, categories=JOINT_REVIEW_CATEGORIES)
        draft.add(self.later(draft.moment, self.between(0.05, 0.5)), case_accept, acting_user=draft.assignee)
        draft.add(
            self.later(draft.moment, self.between(0.3, 1.5)),
            comment_add,
            acting_user=draft.assignee,
            body=self.rng.choice(PROGRESS_REPLIES),
        )
        draft.add(
            self.later(draft.moment, self.between(0.5, 2)),
            comment_add,
            acting_user=draft.assignee,
            body=JOINT_REVIEW_NOTE,
            visibility=Visibility.INTERNAL,
        )
        return draft
