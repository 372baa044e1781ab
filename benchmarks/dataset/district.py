"""The district of the dataset: its units, people and enterprises, and the tables the dataset writes; apart from
the cases, which only draw on it.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from cases.models import Case, CaseEvent, Category, Comment
from enterprises.credit_code import ALPHABET, check_character
from enterprises.models import Enterprise, EnterpriseContact, Role, ServiceAssignment, Unit, UnitKind, UnitMembership
from notifications.models import Notification
from supervision.ratings.models import Appeal, Rectification
from workflow.models import DeadlineCycle, DeadlinePolicy, ExtensionRequest

from .. import vocabulary as words
from ..bulk import Table
from ..workdays import Workdays
from .parts import Firm, People
from .shape import CATEGORY_SHARES, SERVING_BUREAUS, Shape, cumulative, pick

User = get_user_model()

PASSWORD = "huiyin-scale"
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


class ScaleDistrict:
    """The district the cases draw on: its units, people and enterprises, its deadline policies, and the tables
    being written."""

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
