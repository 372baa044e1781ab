"""Reads of the joint review meeting: who sees which flags, meetings and agenda items.

Flags and agenda items are reached only through the cases the user sees as an
official (``rows_of_cases_visible_officially_to``, joined through the flag's case):
a participant of a meeting sees the items of the cases they see, a supervisor or
leader of the jurisdiction sees them all.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from cases.models import Case
from cases.selectors import cases_visible_to, rows_of_cases_visible_officially_to
from enterprises.access import UnitTree, roles_for_user
from enterprises.models import Role, Unit, UnitMembership
from enterprises.selectors import assignable_memberships

from .models import AgendaItem, FlagState, Meeting, MeetingFlag
from .permissions import may_see_meetings


def pending_flag_of(case: Case) -> MeetingFlag | None:
    """The case's flag waiting for the meeting, for a caller who has shown the user sees the case as an official
    (``user_sees_internal``): then ``flags_visible_to`` would show it. Read by the case alone, it is not planned
    with the gate's lists and the case's joins again."""
    return MeetingFlag.objects.filter(case=case, state=FlagState.PENDING).select_related("flagged_by").first()


def jurisdiction_units(jurisdiction: Unit) -> frozenset[int]:
    return UnitTree().subtree([jurisdiction.pk])


def sub_case_units(units: Iterable[int]) -> QuerySet[Unit]:
    """Where a meeting of the jurisdiction ``units`` may send a sub-case: its active units, by name."""
    return Unit.objects.filter(pk__in=list(units), is_active=True).order_by("name", "pk")


def sub_case_assignees(units: Iterable[int]) -> QuerySet[User]:
    """Whom a sub-case may name: the people a case can go to in the jurisdiction ``units``."""
    return User.objects.filter(pk__in=assignable_memberships(unit_ids=units).values("user_id"))


def in_units_q(unit_ids: Iterable[int], *, prefix: str = "") -> Q:
    """Cases a jurisdiction covers: by responsible unit or by the enterprise's township, as supervisors see them."""
    unit_ids = list(unit_ids)
    return Q(**{f"{prefix}responsible_unit_id__in": unit_ids}) | Q(**{f"{prefix}enterprise__township_id__in": unit_ids})


def flags_visible_to(user: User) -> QuerySet[MeetingFlag]:
    """Flags of the cases the user sees as an official; none for enterprise users.

    The case's condition is joined, not a list of cases: for a supervisor of every unit there is none, where
    ``case IN (every case)`` cost the planner more than the page's rows.
    """
    if not may_see_meetings(user):
        return MeetingFlag.objects.none()
    flags = MeetingFlag.objects.select_related(
        "case",
        "case__enterprise",
        "case__responsible_unit",
        "case__assignee",
        "flagged_by",
        "withdrawn_by",
        "deferred_from",
    )
    return rows_of_cases_visible_officially_to(user, flags, through="case__", few=True)


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """Supervisors and leaders see their jurisdiction's meetings; the chair theirs; officials of a
    participating unit the meetings their unit takes part in."""
    meetings = Meeting.objects.select_related("jurisdiction", "chair", "created_by", "closed_by").prefetch_related(
        "participating_units"
    )
    roles = roles_for_user(user)
    if not roles.is_official:
        return meetings.none()
    # Overseeing every unit covers every meeting's jurisdiction: no list of every unit to compile and plan.
    if roles.is_superuser or roles.oversees_every_unit:
        return meetings
    member_units = roles.cadre_unit_ids | roles.head_unit_ids | roles.dispatcher_unit_ids
    attended = Meeting.participating_units.through.objects.filter(unit_id__in=member_units).values("meeting_id")
    return meetings.filter(
        Q(jurisdiction_id__in=roles.supervised_unit_ids | roles.led_unit_ids)
        | Q(chair_id=roles.user_id)
        | Q(pk__in=attended)
    )


def agenda_items_for(user: User, *, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's items whose case the user may see, in agenda order, with everything a row shows."""
    sub_cases = (
        Case.objects.filter(pk__in=cases_visible_to(user).values("pk"))
        .select_related("responsible_unit", "assignee")
        .order_by("number")
    )
    items = (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related(
            "flag",
            "flag__flagged_by",
            "flag__case",
            "flag__case__enterprise",
            "flag__case__responsible_unit",
            "flag__case__assignee",
            "deferred_from",
            "decided_by",
        )
        .prefetch_related(Prefetch("sub_cases", queryset=sub_cases))
        .order_by("position")
    )
    return rows_of_cases_visible_officially_to(user, items, through="flag__case__", few=True)


def reach_of(unit_ids: Iterable[int], parents: dict[int, int | None]) -> set[int]:
    """The units and every unit above them: the roots whose subtree takes in one of the units."""
    reach = set(unit_ids)
    for unit_id in list(reach):
        parent = parents.get(unit_id)
        while parent is not None and parent not in reach:
            reach.add(parent)
            parent = parents.get(parent)
    return reach


def chairing_q(unit_ids: Iterable[int], parents: dict[int, int | None]) -> Q:
    """Memberships of active leaders whose area lies within or over the units: who may chair their meeting.

    A leader's area is the subtree of their jurisdiction (or unit); it takes in one of the units exactly when
    its root is one of them or above one, so no subtree is built.
    """
    return Q(role=Role.LEADER, user__is_active=True, root__in=reach_of(unit_ids, parents))


def with_roots(memberships: QuerySet[UnitMembership]) -> QuerySet[UnitMembership]:
    """Each membership's root: the top of the jurisdiction a supervisor or leader oversees, else its unit."""
    return memberships.annotate(root=Coalesce("jurisdiction_id", "unit_id"))


def leaders_of(memberships: Iterable[UnitMembership]) -> list[User]:
    """The leaders of these memberships, once each."""
    return list({membership.user_id: membership.user for membership in memberships}.values())


def leaders_chairing(unit_ids: frozenset[int]) -> list[User]:
    """Leaders whose area lies within or over the jurisdiction's units: who may chair its meeting."""
    parents: dict[int, int | None] = dict(Unit.objects.values_list("id", "parent_id"))
    memberships = with_roots(UnitMembership.objects.select_related("user")).filter(chairing_q(unit_ids, parents))
    return leaders_of(memberships)


@dataclass(frozen=True)
class PlanningChoices:
    """What a supervisor plans a meeting with."""

    jurisdictions: list[Unit]  # the tops of their jurisdictions, by name
    leaders: list[User]  # who may chair a meeting of one of them
    units: list[Unit]  # the active units of their jurisdictions, by kind and name


def planning_choices(user: User) -> PlanningChoices:
    """The planning form's choices in two queries, the small unit table and the leaders' memberships; the
    supervisor's own jurisdictions are known from their roles."""
    roles = roles_for_user(user)
    supervised = roles.supervised_unit_ids
    units = list(Unit.objects.order_by("name"))
    parents = {unit.pk: unit.parent_id for unit in units}
    leaders = with_roots(UnitMembership.objects.select_related("user")).filter(chairing_q(supervised, parents))
    return PlanningChoices(
        jurisdictions=[unit for unit in units if unit.pk in roles.supervised_root_ids],
        leaders=leaders_of(leaders),
        # The kinds are plain lowercase words: any collation orders them as Python does, and the sort is stable.
        units=sorted((unit for unit in units if unit.pk in supervised and unit.is_active), key=lambda unit: unit.kind),
    )
