"""The leader's board: cases listed for supervision (挂牌督办) in the jurisdiction, and the enterprises the
leader serves (包联) with their open cases. Both come through ``cases_visible_to``."""

from django.db.models import F, Prefetch, QuerySet

from cases.models import OPEN_STATES, Case, UrgingLevel
from cases.selectors import cases_visible_to
from enterprises.access import roles_for_user
from enterprises.models import Enterprise

from .overdue import with_last_event


def listed_cases(user) -> QuerySet[Case]:
    """Open cases at the top of the urging ladder that the user may see, the answer due soonest first."""
    cases = cases_visible_to(user).filter(urging_level=UrgingLevel.LISTED, state__in=OPEN_STATES)
    return with_last_event(cases).order_by(F("urging_answer_due_at").asc(nulls_last=True), "id")


def served_enterprises(user) -> QuerySet[Enterprise]:
    """The enterprises the user serves now (包保), by name, each with ``open_cases`` as the user sees them."""
    open_cases = (
        cases_visible_to(user).filter(state__in=OPEN_STATES).order_by(F("resolution_due_at").asc(nulls_last=True), "id")
    )
    return (
        Enterprise.objects.filter(pk__in=roles_for_user(user).served_enterprise_ids)
        .prefetch_related(Prefetch("cases", queryset=open_cases, to_attr="open_cases"))
        .order_by("name", "id")
    )
