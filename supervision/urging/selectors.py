"""The cases listed for supervision (挂牌督办) that a leader's board shows, through ``cases_visible_to``."""

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from cases.models import Case, UrgingLevel
from cases.selectors import cases_visible_to
from cases.states import OPEN_STATES

from ..overdue.selectors import with_last_event


def listed_cases(user: User) -> QuerySet[Case]:
    """Open cases at the top of the urging ladder that the user may see, the answer due soonest first."""
    cases = cases_visible_to(user).filter(urging_level=UrgingLevel.LISTED, state__in=OPEN_STATES)
    return with_last_event(cases).order_by(F("urging_answer_due_at").asc(nulls_last=True), "id")
