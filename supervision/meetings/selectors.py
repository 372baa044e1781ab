"""Reads of the joint review meeting: who sees which flags, meetings and agenda items.

Flags and agenda items are reached only through the cases the user may see
(``cases_visible_to``): a participant of a meeting sees the items of the cases
they see, a supervisor or leader of the jurisdiction sees them all.
"""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Prefetch, Q, QuerySet

from cases.models import Case
from cases.selectors import cases_visible_to
from enterprises.access import UnitTree, jurisdictions, roles_for_user
from enterprises.models import Role, Unit

from .models import AgendaItem, FlagState, Meeting, MeetingFlag
from .permissions import may_see_meetings


def pending_flag_of(user: User, *, case: Case) -> MeetingFlag | None:
    """The case's flag waiting for the meeting, as an official sees it; None for enterprise users."""
    return flags_visible_to(user).filter(case=case, state=FlagState.PENDING).first()


def jurisdiction_units(jurisdiction: Unit) -> frozenset[int]:
    return UnitTree().subtree([jurisdiction.pk])


def in_units_q(unit_ids: Iterable[int], *, prefix: str = "") -> Q:
    """Cases a jurisdiction covers: by responsible unit or by the enterprise's township, as supervisors see them."""
    unit_ids = list(unit_ids)
    return Q(**{f"{prefix}responsible_unit_id__in": unit_ids}) | Q(**{f"{prefix}enterprise__township_id__in": unit_ids})


def flags_visible_to(user: User) -> QuerySet[MeetingFlag]:
    """Flags of the cases the user sees as an official; none for enterprise users."""
    if not may_see_meetings(user):
        return MeetingFlag.objects.none()
    return MeetingFlag.objects.filter(case__in=cases_visible_to(user)).select_related(
        "case",
        "case__enterprise",
        "case__responsible_unit",
        "case__assignee",
        "flagged_by",
        "withdrawn_by",
        "deferred_from",
    )


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """Supervisors and leaders see their jurisdiction's meetings; the chair theirs; officials of a
    participating unit the meetings their unit takes part in."""
    meetings = Meeting.objects.select_related("jurisdiction", "chair", "created_by", "closed_by").prefetch_related(
        "participating_units"
    )
    roles = roles_for_user(user)
    if not roles.is_official:
        return meetings.none()
    if roles.is_superuser:
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
    return (
        AgendaItem.objects.filter(meeting=meeting, flag__case__in=cases_visible_to(user))
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


def leaders_chairing(unit_ids: frozenset[int]) -> list[User]:
    """Leaders whose area lies within or over the jurisdiction's units: who may chair its meeting."""
    return [user for user, units in jurisdictions(Role.LEADER).items() if units & unit_ids]
