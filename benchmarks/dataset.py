"""The province-scale dataset: a district with N cases, its people and enterprises, every case's history.

Shape at a million cases (proportional below): 2,000 cadres in about 60 units, 50,000 enterprises each
with a three-level 包保 row and a contact, cases 10% opened / 30% assigned / 10% resolved / 50% closed
over a year, 5% of the opened and assigned ones overdue. Every case gets the events of its transitions
and the clocks (``DeadlineCycle``) the deadline rules give them (docs/deadlines.md): routing, first
reply, response, resolution and confirmation, with breaches, send-backs, reopens and extensions where
the history has them. Running clocks stand where a sweep running all along would have left them: no
reminder is due at the dataset's moment, and overdue cases three working days late are urged.

Each case's history is a pure function of (seed, its index), so the data is the same for a seed; the
cases are written in filing order, so ids and numbers grow with ``filed_at`` as in a real database.
"""

import itertools
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from cases.models import (
    Case,
    CaseEvent,
    CaseNumberSequence,
    CaseState,
    Category,
    Closure,
    Comment,
    Complexity,
    EventAction,
    ResolutionType,
    UrgingLevel,
    Visibility,
    format_case_number,
)
from enterprises.credit_code import ALPHABET, check_character
from enterprises.models import (
    Enterprise,
    EnterpriseContact,
    Role,
    ServiceAssignment,
    Unit,
    UnitKind,
    UnitMembership,
)
from notifications.models import Notification
from supervision.ratings.models import Appeal, AppealKind, AppealState, Rectification, RectificationState
from workflow.models import ClockKind, ClockOutcome, DeadlineCycle, DeadlinePolicy, ExtensionRequest, ExtensionState

from . import vocabulary as words
from .bulk import Table, reset_sequences
from .records import supervision_records
from .workdays import SHANGHAI, Workdays

User = get_user_model()

PASSWORD = "huiyin-scale"
CASES_PER_CHUNK = 10_000
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
DEFAULT_POLICY = {"response": 1, "first_reply": 3, "ordinary": 7, "complex": 20, "reopen": 5, "confirmation": 5}


# What the dataset writes, table by table: the model and the fields it fills (the others take their defaults).
TABLES = {
    "user": (User, "id username password first_name date_joined"),
    "unit": (Unit, "id name kind parent"),
    "membership": (UnitMembership, "id user unit role jurisdiction"),
    "enterprise": (Enterprise, "id name credit_code industry address township created_at"),
    "contact": (EnterpriseContact, "id user enterprise title phone"),
    "service": (ServiceAssignment, "id enterprise leader unit cadre local_contact started_at"),
    "case": (
        Case,
        "id number enterprise filed_by category title description complexity state version assignee "
        "responsible_unit resolution_type reply satisfaction satisfaction_comment closure enterprise_reopen_count "
        "filed_at assigned_at accepted_at resolved_at closed_at sent_back_at updated_at response_due_at "
        "first_reply_due_at resolution_due_at confirmation_due_at urging_level urging_answer_due_at "
        "deadlines_provisional",
    ),
    "cycle": (
        DeadlineCycle,
        "id case kind started_by started_at workdays due_at provisional due_fixed responsible unit ended_at outcome "
        "breached reminder_step remind_at urged_at",
    ),
    "event": (CaseEvent, "id case actor action from_state to_state note data is_internal created_at"),
    "comment": (Comment, "id case author visibility body created_at"),
    "notification": (
        Notification,
        "id recipient kind key about link subject body created_at visible_from read_at",
    ),
    "extension": (
        ExtensionRequest,
        "id case requested_by reason current_due_at requested_due_at state decided_by decided_at decision_note "
        "created_at",
    ),
    "rectification": (
        Rectification,
        "id case unit assignee satisfaction rated_at state due_at reminder_step remind_at report submitted_by "
        "submitted_at decided_by decided_at decision_note closed_at created_at",
    ),
    "appeal": (
        Appeal,
        "id case unit kind reason satisfaction rated_at state filed_by filed_at decided_by decided_at decision_note",
    ),
}


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


class ScaleDataset:
    """Builds the dataset into the default database; ``run`` reports progress through ``say``."""

    def __init__(self, *, shape: Shape, seed: int, as_of: datetime, say: Callable[[str], None]) -> None:
        self.shape = shape
        self.seed = seed
        self.as_of = as_of
        self.say = say
        self.days = Workdays((as_of - timedelta(days=500)).date(), (as_of + timedelta(days=200)).date())
        self.run_number = 1 + sum(
            1 for name in Unit.objects.filter(name__startswith=words.DISTRICT).values_list("name", flat=True)
        )
        self.people = People()
        self.firms: list[Firm] = []
        self.categories = list(Category.objects.filter(is_active=True).order_by("position"))
        self.category_totals = cumulative([CATEGORY_SHARES.get(c.code, 0.05) for c in self.categories])
        self.policies = self.read_policies()
        self.tables = self.declare_tables()

    # --- names that stay unique when a forced run adds a second district ---------------------------------------

    def unit_label(self, name: str) -> str:
        return name if self.run_number == 1 else f"{name}（{self.run_number}）"

    def login(self, name: str) -> str:
        return name if self.run_number == 1 else f"r{self.run_number}-{name}"

    def read_policies(self) -> dict[tuple[int | None, str], dict[str, int]]:
        policies = {}
        for policy in DeadlinePolicy.objects.all():
            policies[(policy.category_id, policy.complexity)] = {
                "response": policy.response_workdays,
                "first_reply": policy.first_reply_workdays,
                "resolution": policy.resolution_workdays,
                "reopen": policy.reopen_workdays,
                "confirmation": policy.confirmation_workdays,
            }
        return policies

    def policy(self, category: Category, complexity: str) -> dict[str, int]:
        found = self.policies.get((category.pk, complexity)) or self.policies.get((None, complexity))
        if found:
            return found
        return {**DEFAULT_POLICY, "resolution": DEFAULT_POLICY[complexity]}

    def declare_tables(self) -> dict[str, Table]:
        return {name: Table(model, fields.split()) for name, (model, fields) in TABLES.items()}

    # --- the whole run -----------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.build_district()
            self.build_enterprises()
            for name in ("user", "unit", "membership", "enterprise", "contact", "service"):
                self.tables[name].flush()
        self.say(
            f"district: {len(self.people.unit_name)} units, {self.tables['user'].written} people, "
            f"{len(self.firms)} enterprises"
        )
        self.build_cases()
        reset_sequences(table.model for table in self.tables.values())
        people = self.people
        supervision_records(
            supervisor_id=people.supervisors[0],
            leader_id=people.leaders[0],
            unit_ids=people.bureaus + people.townships,
            as_of=self.as_of,
            flags=max(3, self.shape.cases // 10_000),
            say=self.say,
        )
        return {table.model._meta.label: table.written for table in self.tables.values()}

    # --- units and people --------------------------------------------------------------------------------------

    def add_unit(self, name: str, kind: str, parent: int | None) -> int:
        unit_id = self.tables["unit"].allocate()
        label = self.unit_label(name)
        self.tables["unit"].add(unit_id, label, kind, parent)
        self.people.unit_name[unit_id] = label
        self.people.unit_kind[unit_id] = kind
        return unit_id

    def add_user(self, rng: Random, username: str) -> int:
        user_id = self.tables["user"].allocate()
        name = rng.choice(words.SURNAMES) + rng.choice(words.GIVEN_NAMES)
        self.tables["user"].add(user_id, self.login(username), self.password, name, self.as_of - timedelta(days=800))
        self.people.username[user_id] = self.login(username)
        return user_id

    def add_member(self, user_id: int, unit_id: int, role: str, jurisdiction: int | None = None) -> None:
        table = self.tables["membership"]
        table.add(table.allocate(), user_id, unit_id, role, jurisdiction)

    def build_district(self) -> None:
        rng = Random(self.seed)
        self.password = make_password(PASSWORD)
        shape, people = self.shape, self.people
        district = self.add_unit(words.DISTRICT, UnitKind.DISTRICT, None)
        self.district = district
        dispatch = self.add_unit(words.DISPATCH_ROOM, UnitKind.DISPATCH, district)
        supervision = self.add_unit(words.SUPERVISION_OFFICE, UnitKind.SUPERVISION, district)
        prefixes = {}
        for name, prefix in words.BUREAUS[: shape.bureaus]:
            unit = self.add_unit(name, UnitKind.BUREAU, district)
            people.bureaus.append(unit)
            people.bureau_by_name[name] = unit
            prefixes[unit] = prefix
        for name, kind, prefix in words.TOWNSHIPS[: shape.townships]:
            unit = self.add_unit(name, kind, district)
            people.townships.append(unit)
            prefixes[unit] = prefix
        working_units = people.bureaus + people.townships
        # Seven in ten cadres work in bureaus; busier bureaus (the first ones) have more.
        weights = {
            unit: (2.0 if index < 8 else 1.0) * 0.7 / len(people.bureaus) for index, unit in enumerate(people.bureaus)
        }
        weights |= {unit: 0.3 / len(people.townships) for unit in people.townships}
        counts = {unit: 1 for unit in working_units}
        totals = cumulative([weights[unit] for unit in working_units])
        for _ in range(max(0, shape.cadres - len(working_units))):
            counts[pick(rng, working_units, totals)] += 1
        for unit in working_units:
            people.cadres_of[unit] = []
            for number in range(1, counts[unit] + 1):
                cadre = self.add_user(rng, f"{prefixes[unit]}-{number:03d}")
                self.add_member(cadre, unit, Role.CADRE)
                people.cadres_of[unit].append(cadre)
            head = self.add_user(rng, f"{prefixes[unit]}-head")
            self.add_member(head, unit, Role.UNIT_HEAD)
            people.head_of[unit] = head
        for number in range(1, shape.dispatchers + 1):
            user = self.add_user(rng, f"dispatcher-{number}")
            self.add_member(user, dispatch, Role.DISPATCHER)
            people.dispatchers.append(user)
        for number in range(1, shape.district_supervisors + 1):
            user = self.add_user(rng, f"supervisor-{number}")
            self.add_member(user, supervision, Role.SUPERVISOR, jurisdiction=district)
            people.supervisors.append(user)
        for number, township in enumerate(people.townships[: shape.local_supervisors], start=1):
            user = self.add_user(rng, f"supervisor-local-{number}")
            self.add_member(user, supervision, Role.SUPERVISOR, jurisdiction=township)
        for number in range(1, shape.leaders + 1):
            user = self.add_user(rng, f"leader-{number}")
            self.add_member(user, district, Role.LEADER)
            people.leaders.append(user)

    def credit_code(self, index: int) -> str:
        value, body = self.run_number * 10_000_000 + index, ""
        for _ in range(9):
            value, digit = divmod(value, len(ALPHABET))
            body = ALPHABET[digit] + body
        first = "91" + words.DIVISION_CODE + body
        return first + check_character(first)

    def build_enterprises(self) -> None:
        rng = Random(self.seed + 1)
        people = self.people
        serving = [people.bureau_by_name[name] for name in SERVING_BUREAUS if name in people.bureau_by_name]
        serving = serving or people.bureaus
        township_totals = cumulative([3.0 if index < 4 else 1.0 for index in range(len(people.townships))])
        names = set()
        tables = self.tables
        for index in range(self.shape.enterprises):
            enterprise_id = tables["enterprise"].allocate()
            trade, industry = rng.choice(words.NAME_TRADES)
            name = f"{rng.choice(words.NAME_PLACES)}{rng.choice(words.NAME_CORES)}{trade}{rng.choice(words.NAME_FORMS)}"
            if name in names:
                name = f"{name[:-4]}{index}号{name[-4:]}" if name.endswith("有限公司") else f"{name}{index}"
            names.add(name)
            township = pick(rng, people.townships, township_totals)
            unit = rng.choice(serving) if rng.random() < 0.8 else rng.choice(people.bureaus)
            address = f"哈尔滨市松北区{people.unit_name[township]}{rng.choice(words.STREETS)}{rng.randint(1, 999)}号"
            tables["enterprise"].add(
                enterprise_id,
                name,
                self.credit_code(index),
                industry,
                address,
                township,
                self.as_of - timedelta(days=900),
            )
            contact = self.add_user(rng, f"qy{index + 1:06d}")
            tables["contact"].add(
                tables["contact"].allocate(), contact, enterprise_id, rng.choice(words.CONTACT_TITLES),
                f"1{rng.randint(3_000_000_000, 9_999_999_999)}",
            )  # fmt: skip
            # A quarter of the enterprises (the first always, so that a small dataset has one) have no cadre of
            # their own: their cases wait for the dispatch room.
            cadre = rng.choice(people.cadres_of[unit]) if rng.random() < 0.75 and index else None
            local_contact = rng.choice(people.cadres_of[township])
            tables["service"].add(
                tables["service"].allocate(), enterprise_id, rng.choice(people.leaders), unit, cadre, local_contact,
                self.as_of - timedelta(days=rng.randint(400, 900)),
            )  # fmt: skip
            self.firms.append(Firm(enterprise_id, name, contact, township, unit, cadre))
        # Some enterprises file far more than others.
        weights = [rng.lognormvariate(0, 1.0) for _ in self.firms]
        self.firm_totals = cumulative(weights)
        self.firms_without_cadre = [firm for firm, _ in zip(self.firms, weights, strict=True) if firm.cadre is None]
        self.firms_without_cadre_totals = cumulative(
            [w for firm, w in zip(self.firms, weights, strict=True) if firm.cadre is None]
        )

    # --- cases -------------------------------------------------------------------------------------------------

    def build_cases(self) -> None:
        total = self.shape.cases
        filed = [self.plan(index).filed_at for index in range(total)]
        order = sorted(range(total), key=filed.__getitem__)
        del filed
        numbers = dict(CaseNumberSequence.objects.values_list("year", "last_value"))
        for start in range(0, total, CASES_PER_CHUNK):
            with transaction.atomic():
                for index in order[start : start + CASES_PER_CHUNK]:
                    plan = self.plan(index)
                    year = plan.filed_at.astimezone(SHANGHAI).year
                    numbers[year] = numbers.get(year, 0) + 1
                    self.story(plan, format_case_number(year, numbers[year]))
                for name in (
                    "case",
                    "cycle",
                    "event",
                    "comment",
                    "notification",
                    "extension",
                    "rectification",
                    "appeal",
                ):
                    self.tables[name].flush()
            done = min(start + CASES_PER_CHUNK, total)
            if done % (10 * CASES_PER_CHUNK) == 0 or done == total:
                self.say(f"cases: {done} of {total}")
        with transaction.atomic():
            for year, value in numbers.items():
                CaseNumberSequence.objects.update_or_create(year=year, defaults={"last_value": value})

    def plan(self, index: int) -> Plan:
        """State, enterprise, category and the key moments, drawn backwards from where the case stands now."""
        rng = Random((self.seed << 32) + index)
        days, as_of = self.days, self.as_of
        state = weighted(rng, STATE_SHARES)
        overdue = state in (CaseState.OPENED, CaseState.ASSIGNED) and rng.random() < OVERDUE_SHARE
        sent_back = rng.random() < (0.10 if state == CaseState.OPENED else 0.04)
        if state == CaseState.OPENED and not sent_back and self.firms_without_cadre:
            firm = pick(rng, self.firms_without_cadre, self.firms_without_cadre_totals)
        else:
            firm = pick(rng, self.firms, self.firm_totals)
        category = pick(rng, self.categories, self.category_totals)
        complexity = (
            Complexity.COMPLEX
            if rng.random() < (0.3 if category.code in OFTEN_COMPLEX else 0.1)
            else Complexity.ORDINARY
        )
        plan = Plan(rng=rng, firm=firm, category=category, complexity=complexity, state=state, overdue=overdue)
        plan.sent_back = sent_back
        policy = self.policy(category, complexity)
        window = policy["resolution"]
        times = plan.times
        if state == CaseState.OPENED:
            routing_start = days.before(as_of, rng.randint(2, 12) if overdue else rng.randint(0, 1), rng)
            if sent_back:
                times["send-back"] = routing_start
                times["assign"] = days.before(routing_start, rng.randint(0, 3), rng)
                self.route_backwards(plan)
            else:
                times["file"] = routing_start
            return plan
        if state == CaseState.ASSIGNED:
            plan.extended = rng.random() < 0.04
            if plan.extended:
                extra = rng.randint(5, 10)
                times["extension"] = days.before(
                    as_of, rng.randint(extra + 1, extra + 20) if overdue else rng.randint(0, extra), rng
                )
                times["extension-days"] = extra  # type: ignore[assignment]
                times["assign"] = days.before(times["extension"], rng.randint(2, window), rng)
            else:
                times["assign"] = days.before(
                    as_of, rng.randint(window + 1, window + 25) if overdue else rng.randint(0, window), rng
                )
            self.route_backwards(plan)
            return plan
        if state == CaseState.RESOLVED:
            times["resolve"] = days.before(as_of, rng.randint(0, 4), rng)
            times["assign"] = days.before(times["resolve"], self.resolution_days(rng, window), rng)
            self.route_backwards(plan)
            return plan
        plan.closure = weighted(
            rng,
            (
                (Closure.CONFIRMED, 0.90),
                (Closure.NO_ANSWER, 0.05),
                (Closure.WITHDRAWN, 0.03),
                (Closure.BY_SUPERVISOR, 0.02),
            ),
        )
        # Closed over the last year: about 245 working days.
        close = days.before(as_of, rng.randrange(245), rng)
        times["close"] = close
        if plan.closure == Closure.WITHDRAWN:
            times["assign"] = days.before(close, rng.randint(0, 5), rng)
            self.route_backwards(plan)
            return plan
        if plan.closure == Closure.NO_ANSWER:
            times["resolve"] = days.before(close, policy["confirmation"], rng)
            expiry = days.due(times["resolve"], policy["confirmation"]) + timedelta(minutes=rng.randint(1, 9))
            if expiry < as_of:
                times["close"] = expiry
            else:
                plan.closure = Closure.CONFIRMED
        else:
            times["resolve"] = days.before(close, rng.randint(0, 4), rng)
        first_resolve = times["resolve"]
        plan.reopened = rng.random() < 0.03
        if plan.reopened:
            times["reopen"] = days.before(times["resolve"], rng.randint(1, 4), rng)
            first_resolve = times["first-resolve"] = days.before(times["reopen"], rng.randint(0, 4), rng)
        times["assign"] = days.before(first_resolve, self.resolution_days(rng, window), rng)
        plan.extended = rng.random() < 0.04
        if plan.extended:
            times["extension"] = times["assign"] + (first_resolve - times["assign"]) / 2
            times["extension-days"] = rng.randint(5, 10)  # type: ignore[assignment]
        self.route_backwards(plan)
        return plan

    @staticmethod
    def resolution_days(rng: Random, window: int) -> int:
        """Working days from assignment to the answer: mostly within the window, one in twelve late."""
        if rng.random() < 0.08:
            return window + rng.randint(1, 8)
        return rng.randint(0, window - 1)

    def route_backwards(self, plan: Plan) -> None:
        """Filing before the (first) assignment: at once when the serving cadre takes it, else via dispatch."""
        rng, times, days = plan.rng, plan.times, self.days
        assign = times["assign"]
        if plan.sent_back and plan.state != CaseState.OPENED:
            # The current assignment came from the dispatch room after the first assignee sent it back.
            times["send-back"] = days.before(assign, rng.randint(0, 2), rng)
            times["first-assign"] = days.before(times["send-back"], rng.randint(0, 2), rng)
            first = times["first-assign"]
        else:
            first = assign
        if plan.firm.cadre is not None:
            times["file"] = first - timedelta(seconds=1)
        else:
            times["file"] = days.before(first, weighted(rng, ((0, 0.70), (1, 0.25), (2, 0.03), (3, 0.02))), rng)

    def story(self, plan: Plan, number: str) -> None:
        CaseStory(self, plan, number).write()


class CaseStory:
    """One case's history, forwards: events, clocks, replies, notifications; then its rows."""

    def __init__(self, dataset: ScaleDataset, plan: Plan, number: str) -> None:
        self.data = dataset
        self.plan = plan
        self.rng = plan.rng
        self.days = dataset.days
        self.tables = dataset.tables
        self.people = dataset.people
        self.case_id = dataset.tables["case"].allocate()
        self.number = number
        self.policy = dataset.policy(plan.category, plan.complexity)
        self.running: dict[str, Clock] = {}
        self.ended: list[Clock] = []
        self.events: list[tuple] = []
        self.state = CaseState.OPENED
        self.version = 1
        self.updated_at = plan.filed_at
        self.assignee: int | None = None
        self.unit: int | None = None
        self.row: dict = {
            "assigned_at": None, "accepted_at": None, "resolved_at": None, "closed_at": None, "sent_back_at": None,
            "resolution_type": "", "reply": "", "satisfaction": None, "satisfaction_comment": "", "closure": "",
            "enterprise_reopen_count": 0, "urging_level": UrgingLevel.NONE, "urging_answer_due_at": None,
        }  # fmt: skip
        title, description = self.rng.choice(
            words.PROBLEMS.get(plan.category.code, words.PROBLEMS["business_environment"])
        )
        fill = {"amount": self.rng.randint(5, 500) * 10, "days": self.rng.randint(2, 9)}
        self.title = title
        self.description = description.format(**fill)
        self.notifications = 0

    # --- clocks, following docs/deadlines.md -------------------------------------------------------------------

    def start(self, kind: str, at: datetime, workdays: int, by: str, *, responsible=None, unit=None, due=None) -> Clock:
        self.stop(kind, at, ClockOutcome.RECOMPUTED)
        due_at = due or self.days.due(at, workdays)
        clock = Clock(
            id=self.tables["cycle"].allocate(),
            kind=kind,
            started_by=by,
            started_at=at,
            workdays=workdays,
            due_at=due_at,
            provisional=self.days.provisional(at, due_at),
            due_fixed=due is not None,
            responsible=responsible,
            unit=unit,
        )
        self.running[kind] = clock
        return clock

    def stop(self, kind: str, at: datetime, outcome: str) -> None:
        clock = self.running.pop(kind, None)
        if clock is not None:
            clock.ended_at, clock.outcome, clock.breached = at, outcome, at > clock.due_at
            self.ended.append(clock)

    def hand_over(self, kind: str, responsible, unit) -> None:
        if kind in self.running:
            self.running[kind].responsible, self.running[kind].unit = responsible, unit

    def ladder(self, clock: Clock, at: datetime) -> tuple[int, datetime | None]:
        """Reminder steps taken by ``at`` and the next one's time, as the sweep would have left them."""
        days, due = self.days, clock.due_at
        if clock.kind == ClockKind.ROUTING or clock.kind == ClockKind.FIRST_REPLY:
            steps = [due]
        elif clock.kind == ClockKind.RESPONSE:
            steps = [due - timedelta(hours=4), due]
        elif clock.kind == ClockKind.RESOLUTION:
            steps = [
                days.morning_before(due),
                days.morning_of(days.local_date(due)),
                due,
                days.morning_of(days.day_after(due, 3)),
            ]
        else:
            halfway = clock.workdays // 2
            first = (
                days.morning_of(days.day_after(clock.started_at, halfway + 1))
                if halfway
                else days.morning_of(days.local_date(due))
            )
            steps = [first, due]
        taken = sum(1 for step in steps if step <= at)
        return taken, steps[taken] if taken < len(steps) else None

    # --- events ------------------------------------------------------------------------------------------------

    def event(
        self, at, actor, action, *, to_state=None, note="", data=None, internal=False, transition=True, from_state=None
    ) -> None:
        before = self.state if from_state is None else from_state
        if to_state is not None:
            self.state = to_state
        if transition:
            self.version += 1
        self.events.append((at, actor, action, before, self.state, note, data or {}, internal))
        self.updated_at = max(self.updated_at, at)

    def notify(self, recipient: int, kind: str, at: datetime, subject: str) -> None:
        self.notifications += 1
        fresh = at > self.data.as_of - timedelta(days=3)
        read_at = None if fresh or self.rng.random() < 0.1 else at + timedelta(minutes=self.rng.randint(5, 600))
        table = self.tables["notification"]
        table.add(
            table.allocate(), recipient, kind, f"seed:case:{self.case_id}:{kind}:{self.notifications}",
            f"case:{self.case_id}", f"/cases/{self.case_id}/", subject, f"{self.number} {self.title}", at, at, read_at,
        )  # fmt: skip

    def pick_cadre(self, *, avoid=None) -> tuple[int, int]:
        """A cadre and unit the dispatch room would choose for this category."""
        rng, people, code = self.rng, self.people, self.plan.category.code
        if self.plan.category.default_unit_kind in (UnitKind.TOWNSHIP, UnitKind.STREET):
            unit = self.plan.firm.township
        else:
            named = [people.bureau_by_name[n] for n in DISPATCH_BUREAUS.get(code, ()) if n in people.bureau_by_name]
            unit = rng.choice(named) if named and rng.random() < 0.8 else rng.choice(people.bureaus)
        choices = [cadre for cadre in people.cadres_of[unit] if cadre != avoid] or people.cadres_of[unit]
        return rng.choice(choices), unit

    def assign(self, at: datetime, *, automatic: bool, after_send_back: bool = False) -> None:
        firm = self.plan.firm
        if automatic:
            assignee, unit, actor = firm.cadre, firm.unit, None
        else:
            assignee, unit = self.pick_cadre(avoid=self.sent_back_by if after_send_back else None)
            actor = self.rng.choice(self.people.dispatchers)
        data = {"assignee": self.people.username[assignee], "unit": self.people.unit_name[unit]}
        if automatic:
            data["automatic"] = True
        self.event(at, actor, EventAction.ASSIGN, to_state=CaseState.ASSIGNED, data=data)
        self.assignee, self.unit = assignee, unit
        self.row.update(assigned_at=at, accepted_at=None, sent_back_at=None)
        self.stop(ClockKind.ROUTING, at, ClockOutcome.MET)
        self.hand_over(ClockKind.FIRST_REPLY, assignee, unit)
        self.start(ClockKind.RESPONSE, at, self.policy["response"], "assign", responsible=assignee, unit=unit)
        self.start(ClockKind.RESOLUTION, at, self.policy["resolution"], "assign", responsible=assignee, unit=unit)
        self.notify(assignee, "case_assigned", at, f"新诉求待签收：{self.title}")

    def send_back(self, at: datetime) -> None:
        self.event(
            at, self.assignee, EventAction.SEND_BACK, to_state=CaseState.OPENED, internal=True,
            note=self.rng.choice(words.SEND_BACK_REASONS), data={"unit": self.people.unit_name[self.unit]},
        )  # fmt: skip
        self.stop(ClockKind.RESPONSE, at, ClockOutcome.SENT_BACK)
        self.stop(ClockKind.RESOLUTION, at, ClockOutcome.SENT_BACK)
        self.hand_over(ClockKind.FIRST_REPLY, None, None)
        self.start(ClockKind.ROUTING, at, self.policy["response"], "send-back")
        self.row.update(assigned_at=None, accepted_at=None, sent_back_at=at)
        self.sent_back_by, self.assignee, self.unit = self.assignee, None, None

    def accept_and_reply(self, after: datetime, until: datetime, *, may_wait: bool) -> None:
        """Signing for (签收) and a first public reply, between the assignment and what comes next; mostly
        within their clocks, sometimes late."""
        rng = self.rng
        if may_wait and rng.random() < 0.5:
            return
        on_time = rng.random() < 0.93
        response_due = self.running[ClockKind.RESPONSE].due_at
        accepted = self.days.soon_after(after, min(until, response_due) if on_time else until, rng)
        self.event(accepted, self.assignee, EventAction.ACCEPT, to_state=CaseState.ASSIGNED)
        self.row["accepted_at"] = accepted
        self.stop(ClockKind.RESPONSE, accepted, ClockOutcome.MET)
        if rng.random() < 0.85 and ClockKind.FIRST_REPLY in self.running:
            reply_due = self.running[ClockKind.FIRST_REPLY].due_at
            limit = min(until, reply_due) if on_time and reply_due > accepted else until
            replied = self.days.soon_after(accepted, limit, rng)
            comment = self.tables["comment"].allocate()
            body = rng.choice(words.FIRST_REPLIES)
            self.tables["comment"].add(comment, self.case_id, self.assignee, Visibility.PUBLIC, body, replied)
            self.event(replied, self.assignee, EventAction.COMMENT, data={"comment": comment}, transition=False)
            self.stop(ClockKind.FIRST_REPLY, replied, ClockOutcome.MET)
            self.notify(self.plan.firm.contact, "case_replied", replied, f"诉求有新回复：{self.title}")

    def extend(self, at: datetime, extra_days: int) -> None:
        current = self.running[ClockKind.RESOLUTION]
        rng, days = self.rng, self.days
        asked = days.soon_after(self.updated_at, at, rng)
        new_due = days.due(current.due_at, extra_days) if current.due_at > at else days.due(at, extra_days)
        supervisor = rng.choice(self.people.supervisors)
        table = self.tables["extension"]
        table.add(
            table.allocate(), self.case_id, self.assignee, rng.choice(words.EXTENSION_REASONS), current.due_at,
            new_due, ExtensionState.APPROVED, supervisor, at, "同意延期。", asked,
        )  # fmt: skip
        self.event(asked, self.assignee, EventAction.EXTENSION_REQUEST, internal=True, transition=False)
        self.event(
            at, supervisor, EventAction.EXTENSION_DECISION, internal=True, data={"approved": True}, transition=False
        )
        self.stop(ClockKind.RESOLUTION, at, ClockOutcome.EXTENDED)
        workdays = max(1, days.between(at, new_due))
        self.start(
            ClockKind.RESOLUTION,
            at,
            workdays,
            "extension",
            responsible=current.responsible,
            unit=current.unit,
            due=new_due,
        )

    def resolve(self, at: datetime) -> None:
        reply = self.rng.choice(words.REPLIES)
        kind = weighted(
            self.rng,
            ((ResolutionType.SOLVED, 0.8), (ResolutionType.PARTLY_SOLVED, 0.1), (ResolutionType.EXPLAINED, 0.08),
             (ResolutionType.NOT_OUR_DUTY, 0.02)),
        )  # fmt: skip
        self.event(
            at,
            self.assignee,
            EventAction.RESOLVE,
            to_state=CaseState.RESOLVED,
            note=reply,
            data={"resolution_type": kind},
        )
        self.row.update(resolution_type=kind, reply=reply, resolved_at=at)
        if self.row["accepted_at"] is None:
            self.row["accepted_at"] = at
        for kind_ in (ClockKind.RESPONSE, ClockKind.FIRST_REPLY, ClockKind.RESOLUTION):
            self.stop(kind_, at, ClockOutcome.MET)
        self.start(ClockKind.CONFIRMATION, at, self.policy["confirmation"], "resolve")
        self.notify(self.plan.firm.contact, "case_resolved", at, f"诉求已办结，请确认：{self.title}")

    def reopen(self, at: datetime) -> None:
        self.event(
            at,
            self.plan.firm.contact,
            EventAction.REOPEN,
            to_state=CaseState.ASSIGNED,
            note=self.rng.choice(words.REOPEN_REASONS),
        )
        self.row.update(resolution_type="", resolved_at=None, assigned_at=at, enterprise_reopen_count=1)
        self.stop(ClockKind.CONFIRMATION, at, ClockOutcome.REOPENED)
        self.start(ClockKind.RESOLUTION, at, self.policy["reopen"], "reopen", responsible=self.assignee, unit=self.unit)

    def close(self, at: datetime, closure: str) -> None:
        rng = self.rng
        rating = None
        if closure == Closure.CONFIRMED:
            rating = weighted(rng, SATISFACTION_WEIGHTS)
            comment = rng.choice(words.SATISFACTION_COMMENTS[rating])
            actor, outcome = self.plan.firm.contact, ClockOutcome.MET
        elif closure == Closure.BY_SUPERVISOR:
            comment, actor, outcome = "", rng.choice(self.people.supervisors), ClockOutcome.CLOSED
        else:
            comment, actor, outcome = "", None, ClockOutcome.EXPIRED
        self.event(
            at,
            actor,
            EventAction.CLOSE,
            to_state=CaseState.CLOSED,
            note=comment,
            data={"closure": closure, "satisfaction": rating},
        )
        self.row.update(closure=closure, satisfaction=rating, satisfaction_comment=comment, closed_at=at)
        for kind in list(self.running):
            self.stop(kind, at, outcome)
        if rating is not None and rating <= 2:
            self.rectify(at, rating)

    def withdraw(self, at: datetime) -> None:
        self.event(
            at,
            self.plan.firm.contact,
            EventAction.WITHDRAW,
            to_state=CaseState.CLOSED,
            note=self.rng.choice(words.WITHDRAW_REASONS),
        )
        self.row.update(closure=Closure.WITHDRAWN, closed_at=at)
        for kind in list(self.running):
            self.stop(kind, at, ClockOutcome.WITHDRAWN)

    def rectify(self, rated_at: datetime, rating: int) -> None:
        """A bad rating opens a rectification for the unit (due in 5 working days); some are appealed."""
        rng, days, as_of = self.rng, self.days, self.data.as_of
        due = days.due(rated_at, 5)
        age = days.between(rated_at, as_of)
        head = self.people.head_of[self.unit]
        supervisor = rng.choice(self.people.supervisors)
        cancelled_at = None
        if rng.random() < 0.15:
            filed = days.soon_after(rated_at, min(as_of, days.due(rated_at, 10)), rng)
            if age > 12:
                decided = days.soon_after(filed, min(as_of, filed + timedelta(days=10)), rng)
                state = AppealState.UPHELD if rng.random() < 0.4 else AppealState.REJECTED
                note = "申诉理由成立。" if state == AppealState.UPHELD else "申诉理由不充分。"
                cancelled_at = decided if state == AppealState.UPHELD else None
            else:
                decided, state, note = None, AppealState.PENDING, ""
            table = self.tables["appeal"]
            reason = rng.choice(words.APPEAL_REASONS)
            table.add(
                table.allocate(), self.case_id, self.unit, rng.choice(AppealKind.values), reason, rating, rated_at,
                state, head, filed, supervisor if decided else None, decided, note,
            )  # fmt: skip
        submitted = decided = closed = None
        report = note = ""
        step, remind_at = 0, None
        if cancelled_at is not None:
            state, closed = RectificationState.CANCELLED, cancelled_at
        elif age > 8 and rng.random() < 0.9:
            submitted = days.soon_after(rated_at, due + timedelta(days=2), rng)
            decided = closed = days.soon_after(submitted, min(as_of, submitted + timedelta(days=5)), rng)
            state, report, note = RectificationState.ACCEPTED, rng.choice(words.RECTIFICATION_REPORTS), "整改到位。"
        elif age > 3 and rng.random() < 0.5:
            submitted = days.soon_after(rated_at, as_of, rng)
            state, report = RectificationState.SUBMITTED, rng.choice(words.RECTIFICATION_REPORTS)
        else:
            state = RectificationState.OPEN
            steps = [days.morning_before(due), days.morning_of(days.local_date(due)), due]
            step = sum(1 for moment in steps if moment <= as_of)
            remind_at = steps[step] if step < len(steps) else None
        table = self.tables["rectification"]
        table.add(
            table.allocate(), self.case_id, self.unit, self.assignee, rating, rated_at, state, due, step, remind_at,
            report, head if submitted else None, submitted, supervisor if decided else None, decided, note, closed,
            rated_at,
        )  # fmt: skip

    def urge(self) -> None:
        """An overdue case three working days late was urged by the sweep; a supervisor raised some further."""
        rng, days, as_of = self.rng, self.days, self.data.as_of
        clock = self.running[ClockKind.RESOLUTION]
        late = days.between(clock.due_at, as_of)
        if late < 3:
            return
        urged = days.morning_of(days.day_after(clock.due_at, 3)) + timedelta(minutes=rng.randint(0, 4))
        if urged >= as_of:
            return
        answer = days.due(urged, 2)
        note = f"解决时限已逾期3个工作日，系统自动催办。请于{answer.astimezone(SHANGHAI):%Y-%m-%d %H:%M}前报告进展。"
        data = {"from": 0, "to": 1, "answer_due_at": answer.isoformat(), "automatic": True, "overdue_workdays": 3}
        self.event(urged, None, EventAction.URGE, note=note, data=data, internal=True)
        clock.urged_at = urged
        level = UrgingLevel.URGED
        self.notify(self.assignee, "case_urged", urged, f"催办：{self.title}")
        if rng.random() < 0.25:
            raised = days.soon_after(urged, as_of, rng)
            new_level = UrgingLevel.LISTED if rng.random() < 0.2 else UrgingLevel.SUPERVISED
            answer = days.due(raised, 3)
            data = {"from": int(level), "to": int(new_level), "answer_due_at": answer.isoformat()}
            self.event(
                raised,
                rng.choice(self.people.supervisors),
                EventAction.URGE,
                note="请加快办理并按时报告。",
                data=data,
                internal=True,
            )
            level = new_level
        self.row.update(urging_level=level, urging_answer_due_at=answer)

    # --- the history, then the rows ----------------------------------------------------------------------------

    def write(self) -> None:
        plan, times, as_of = self.plan, self.plan.times, self.data.as_of
        filed = plan.filed_at
        self.event(filed, plan.firm.contact, EventAction.FILE, from_state="", transition=False)
        self.start(ClockKind.ROUTING, filed, self.policy["response"], "file")
        self.start(ClockKind.FIRST_REPLY, filed, self.policy["first_reply"], "file")
        automatic = plan.firm.cadre is not None
        if plan.state == CaseState.OPENED:
            if plan.sent_back:
                self.assign(times["assign"], automatic=automatic)
                self.send_back(times["send-back"])
            self.rows()
            return
        if plan.sent_back:
            self.assign(times["first-assign"], automatic=automatic)
            self.send_back(times["send-back"])
            self.assign(times["assign"], automatic=False, after_send_back=True)
        else:
            self.assign(times["assign"], automatic=automatic)
        upcoming = [times[name] for name in ("extension", "first-resolve", "resolve", "close") if name in times]
        next_step = min(upcoming) if upcoming else as_of
        # Only a case assigned since yesterday may still wait to be signed for.
        fresh = plan.state == CaseState.ASSIGNED and not upcoming and self.days.between(times["assign"], as_of) <= 1
        self.accept_and_reply(times["assign"], next_step, may_wait=fresh)
        if plan.extended:
            self.extend(times["extension"], times["extension-days"])
        if plan.closure == Closure.WITHDRAWN:
            self.withdraw(times["close"])
        elif plan.state == CaseState.ASSIGNED:
            if self.running[ClockKind.RESOLUTION].due_at < as_of:
                self.urge()
        else:
            if plan.reopened:
                self.resolve(times["first-resolve"])
                self.reopen(times["reopen"])
            self.resolve(times["resolve"])
            if plan.state == CaseState.CLOSED:
                self.close(times["close"], plan.closure)
        self.rows()

    def rows(self) -> None:
        as_of, plan, row = self.data.as_of, self.plan, self.row
        due = dict.fromkeys(("response_due_at", "first_reply_due_at", "resolution_due_at", "confirmation_due_at"))
        columns = {
            ClockKind.ROUTING: "response_due_at",
            ClockKind.RESPONSE: "response_due_at",
            ClockKind.FIRST_REPLY: "first_reply_due_at",
            ClockKind.RESOLUTION: "resolution_due_at",
            ClockKind.CONFIRMATION: "confirmation_due_at",
        }
        table = self.tables["cycle"]
        for clock in sorted(self.ended + list(self.running.values()), key=lambda c: c.id):
            running = clock.ended_at is None
            step, remind_at = self.ladder(clock, as_of if running else clock.ended_at)
            breached = clock.breached or (running and clock.due_at <= as_of and clock.kind != ClockKind.CONFIRMATION)
            if running:
                due[columns[clock.kind]] = clock.due_at
            table.add(
                clock.id, self.case_id, clock.kind, clock.started_by, clock.started_at, clock.workdays, clock.due_at,
                clock.provisional, clock.due_fixed, clock.responsible, clock.unit, clock.ended_at, clock.outcome,
                breached, step, remind_at, clock.urged_at,
            )  # fmt: skip
        # Written in time order, as the app appends them; the history above is told in logical order.
        events = self.tables["event"]
        for at, actor, action, before, after, note, data, internal in sorted(self.events, key=lambda event: event[0]):
            events.add(events.allocate(), self.case_id, actor, action, before, after, note, data, internal, at)
        provisional = any(clock.provisional for clock in self.running.values())
        self.tables["case"].add(
            self.case_id, self.number, plan.firm.id, plan.firm.contact, plan.category.pk, self.title, self.description,
            plan.complexity, self.state, self.version, self.assignee, self.unit, row["resolution_type"], row["reply"],
            row["satisfaction"], row["satisfaction_comment"], row["closure"], row["enterprise_reopen_count"],
            plan.filed_at, row["assigned_at"], row["accepted_at"], row["resolved_at"], row["closed_at"],
            row["sent_back_at"], self.updated_at, due["response_due_at"], due["first_reply_due_at"],
            due["resolution_due_at"], due["confirmation_due_at"], row["urging_level"], row["urging_answer_due_at"],
            provisional,
        )  # fmt: skip
