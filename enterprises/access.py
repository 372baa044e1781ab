"""What a user is: the roles and relations every permission and visibility rule reads.

Loaded once per user object (one query, which for heads and overseers also brings the small unit table) and
cached on it, so that a page of fifty cases asks for ``available_actions`` without one query per case.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Aggregate, BigIntegerField, CharField, Exists, Q, QuerySet, Value

from core.statements import CompiledOnce

from .models import EnterpriseContact, Role, ServiceAssignment, Unit, UnitMembership

CACHE_ATTRIBUTE = "_huiyin_roles"

# The roles whose units include those below theirs: who needs the unit tree.
ROLES_OVER_SUBTREES = (Role.UNIT_HEAD, Role.SUPERVISOR, Role.LEADER)


@dataclass(frozen=True)
class UserRoles:
    user_id: int | None
    is_superuser: bool = False
    contact_enterprise_ids: frozenset[int] = field(default_factory=frozenset)
    served_enterprise_ids: frozenset[int] = field(default_factory=frozenset)
    cadre_unit_ids: frozenset[int] = field(default_factory=frozenset)
    head_unit_ids: frozenset[int] = field(default_factory=frozenset)
    #: The units the user heads themselves, without those below: whose 包保 they serve at the unit's level.
    direct_head_unit_ids: frozenset[int] = field(default_factory=frozenset)
    dispatcher_unit_ids: frozenset[int] = field(default_factory=frozenset)
    supervised_unit_ids: frozenset[int] = field(default_factory=frozenset)
    #: The tops of the jurisdictions the user supervises, without the units below: what they circulate for.
    supervised_root_ids: frozenset[int] = field(default_factory=frozenset)
    led_unit_ids: frozenset[int] = field(default_factory=frozenset)
    # Supervised or led, every unit there is: the district's own supervisors and leaders, who see every case.
    oversees_every_unit: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_enterprise_user(self) -> bool:
        return bool(self.contact_enterprise_ids)

    @property
    def is_official(self) -> bool:
        return bool(self.roles) or self.is_superuser

    @property
    def is_dispatcher(self) -> bool:
        return Role.DISPATCHER in self.roles or self.is_superuser

    @property
    def is_supervisor(self) -> bool:
        return Role.SUPERVISOR in self.roles or self.is_superuser

    def is_contact_of(self, enterprise_id: int) -> bool:
        return enterprise_id in self.contact_enterprise_ids

    def heads_unit_or_above(self, unit_id: int | None) -> bool:
        """True for a unit head of this unit or of one above it."""
        return unit_id is not None and unit_id in self.head_unit_ids

    def for_enterprise(self, enterprise_id: int) -> "UserRoles":
        """The roles as they bear on one enterprise's rows: of the enterprises served, that one alone if it is one.
        A gate of rows of that enterprise only lets the same rows through, without the four thousand ids a 包保
        leader serves to compile, send and plan."""
        return replace(self, served_enterprise_ids=self.served_enterprise_ids & {enterprise_id})

    def official_q(self, *, person: str, enterprise: str, unit: str) -> Q | None:
        """The rows the user sees as an official, of any kind that names a person, an enterprise and a unit
        (the paths to those columns); None for all.

        Their own (``person``), their served enterprises', their units' (heads: the units below included), their
        jurisdiction's (by the unit or by the enterprise's township). Cases, visits and duties are gated by it,
        and rows hanging off a case through the case's paths: one rule, whatever it is read from.
        """
        branches = self.official_branches(person=person, enterprise=enterprise, unit=unit)
        if branches is None:
            return None
        q = Q(pk__in=[])
        for branch in branches:
            q |= branch
        return q

    def official_branches(self, *, person: str, enterprise: str, unit: str) -> list[Q] | None:
        """``official_q``'s conditions one by one (their OR is the gate), for a reader that reads each from an index
        of its own; None for all."""
        if self.sees_every_row:
            return None
        branches = []
        if self.user_id is not None and self.is_official:
            branches.append(Q(**{f"{person}_id": self.user_id}))
        if self.served_enterprise_ids:
            branches.append(Q(**{f"{enterprise}_id__any_of": self.served_enterprise_ids}))
        if self.head_unit_ids:
            branches.append(Q(**{f"{unit}_id__in": self.head_unit_ids}))
        overseen = self.supervised_unit_ids | self.led_unit_ids
        if overseen:
            branches.append(Q(**{f"{unit}_id__in": overseen}) | Q(**{f"{enterprise}__township_id__in": overseen}))
        return branches

    @property
    def sees_every_row(self) -> bool:
        """Whether the official gate lets every row through (``official_branches`` is None)."""
        # Overseeing every unit covers every row: each enterprise lies in a township, itself a unit. Saying so
        # spares the database a join of every enterprise on every count of a district-wide supervisor's lists.
        return self.is_superuser or self.is_dispatcher or self.oversees_every_unit

    @property
    def sees_whole_units(self) -> bool:
        """Whether the official gate takes in every case of some unit (as its head or overseer), not only the
        user's own and their served enterprises'."""
        return bool(self.head_unit_ids or self.supervised_unit_ids or self.led_unit_ids)

    def supervises(self, unit_id: int | None, township_id: int | None) -> bool:
        """A supervisor's jurisdiction covers the responsible unit or the enterprise's township."""
        if self.is_superuser:
            return True
        return (unit_id in self.supervised_unit_ids) or (township_id in self.supervised_unit_ids)


class UnitTree:
    """The unit hierarchy from one query over the (small) unit table, or from its (id, parent id) rows read
    already."""

    def __init__(self, units: Iterable[tuple[int, int | None]] | None = None) -> None:
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for unit_id, parent_id in Unit.objects.values_list("id", "parent_id") if units is None else units:
            self.children[parent_id].append(unit_id)

    def every_unit(self) -> frozenset[int]:
        return frozenset(unit_id for units in self.children.values() for unit_id in units)

    def subtree(self, root_ids: Iterable[int]) -> frozenset[int]:
        """The given units and every unit below them."""
        found: set[int] = set()
        stack = list(root_ids)
        while stack:
            unit_id = stack.pop()
            if unit_id not in found:
                found.add(unit_id)
                stack.extend(self.children[unit_id])
        return frozenset(found)


def roles_for_user(user: User | AnonymousUser) -> UserRoles:
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        return UserRoles(user_id=None)

    memberships, contact_enterprise_ids, served_enterprise_ids, units = _relations(user)
    role_names = frozenset(role for _unit, role, _jurisdiction in memberships)
    by_role: dict[str, set[int]] = defaultdict(set)
    for unit_id, role, jurisdiction_id in memberships:
        overseer = role in (Role.SUPERVISOR, Role.LEADER)
        by_role[role].add(jurisdiction_id or unit_id if overseer else unit_id)
    tree = UnitTree(units) if any(by_role[role] for role in ROLES_OVER_SUBTREES) else None

    def below(role: str) -> frozenset[int]:
        return tree.subtree(by_role[role]) if tree and by_role[role] else frozenset()

    roles = UserRoles(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        contact_enterprise_ids=contact_enterprise_ids,
        served_enterprise_ids=served_enterprise_ids,
        cadre_unit_ids=frozenset(by_role[Role.CADRE]),
        head_unit_ids=below(Role.UNIT_HEAD),
        direct_head_unit_ids=frozenset(by_role[Role.UNIT_HEAD]),
        dispatcher_unit_ids=frozenset(by_role[Role.DISPATCHER]),
        supervised_unit_ids=below(Role.SUPERVISOR),
        supervised_root_ids=frozenset(by_role[Role.SUPERVISOR]),
        led_unit_ids=below(Role.LEADER),
        roles=role_names,
        oversees_every_unit=tree is not None and (below(Role.SUPERVISOR) | below(Role.LEADER)) >= tree.every_unit(),
    )
    setattr(user, CACHE_ATTRIBUTE, roles)
    return roles


def _relations(
    user: User,
) -> tuple[list[tuple[int, str, int | None]], frozenset[int], frozenset[int], list[tuple[int, int | None]]]:
    """The user's unit memberships (unit, role, jurisdiction), the enterprises they are a contact of, those
    they serve now (包保, their ids in one row's text) and, for a head or an overseer, every unit with its parent,
    in one query: every request of every signed-in person reads them."""
    rows = _RELATIONS.rows(user_id=user.pk)
    served = next((ids for source, _row_id, ids, _jurisdiction in rows if source == "served"), None)
    return (
        [(row_id, role, jurisdiction) for source, row_id, role, jurisdiction in rows if source == "membership"],
        frozenset(row_id for source, row_id, _role, _jurisdiction in rows if source == "contact"),
        frozenset(map(int, served.split(","))) if served else frozenset(),
        [(row_id, parent_id) for source, row_id, _role, parent_id in rows if source == "unit"],
    )


class JoinedIds(Aggregate):
    """The ids of the rows, in one text, separated by commas."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS text), ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, ',')",
            **extra_context,
        )


def _relations_query(user_id: int) -> QuerySet:
    text, number = CharField(), BigIntegerField()
    memberships = (
        UnitMembership.objects.filter(user_id=user_id)
        .order_by()
        .values_list(Value("membership", output_field=text), "unit_id", "role", "jurisdiction_id")
    )
    contacts = (
        EnterpriseContact.objects.filter(user_id=user_id)
        .order_by()
        .values_list(Value("contact", text), "enterprise_id", Value("", text), Value(None, number))
    )
    # Without ``order_by()`` the model's ordering (by enterprise) would join and sort the enterprises. One row, the
    # ids joined in its text: a 包保 leader serves four thousand, which as rows took every page of theirs 2 ms more.
    served = (
        ServiceAssignment.objects.filter(ended_at__isnull=True)
        .filter(Q(cadre_id=user_id) | Q(local_contact_id=user_id) | Q(leader_id=user_id))
        .order_by()
        .values(source=Value("served", text))
        .annotate(ids=JoinedIds("enterprise_id"))
        .values_list("source", Value(None, number), "ids", Value(None, number))
    )
    # The whole (small) unit table, only for someone whose units reach below their own.
    units = (
        Unit.objects.filter(Exists(UnitMembership.objects.filter(user_id=user_id, role__in=ROLES_OVER_SUBTREES)))
        .order_by()
        .values_list(Value("unit", text), "id", Value("", text), "parent_id")
    )
    return memberships.union(contacts, served, units, all=True)


# Compiling the four-part UNION took twice as long as running it, on every request: compiled once, for a user
# id no user has.
_RELATIONS = CompiledOnce(_relations_query, user_id=-1)


def stand_in_official(user_id: int) -> User:
    """Someone not in the database, with ``user_id``: an official who serves nothing and heads nothing. What a
    statement compiled once for every official is built for (``core.statements.CompiledOnce``), ``user_id`` a
    stand-in for the person who asks."""
    user = User(pk=user_id)
    setattr(user, CACHE_ATTRIBUTE, UserRoles(user_id=user_id, roles=frozenset({Role.CADRE})))
    return user


def forget_roles(user: User | AnonymousUser) -> None:
    """Drop the cached roles, e.g. after a membership of this user object changed."""
    if hasattr(user, CACHE_ATTRIBUTE):
        delattr(user, CACHE_ATTRIBUTE)


def jurisdictions(role: str) -> dict[User, frozenset[int]]:
    """Every active user with ``role`` and the units they oversee (their jurisdiction's subtree, or their
    own unit's), in two queries whatever their number: for finding who must hear about a case."""
    memberships = list(UnitMembership.objects.filter(role=role, user__is_active=True).select_related("user"))
    if not memberships:
        return {}
    tree = UnitTree()
    roots: dict = defaultdict(set)
    users = {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        roots[membership.user_id].add(membership.jurisdiction_id or membership.unit_id)
    return {users[user_id]: tree.subtree(unit_ids) for user_id, unit_ids in roots.items()}


def overseers_of(role: str, *, unit_id: int | None, township_id: int | None) -> list[User]:
    """Users with ``role`` whose jurisdiction covers the unit or the township."""
    return [user for user, units in jurisdictions(role).items() if unit_id in units or township_id in units]
