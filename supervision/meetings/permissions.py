"""Who takes part in the joint review meeting and who may do what in it: the API, the pages, the services and
the models' transitions ask these (so this module does not import the models)."""

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from cases.models import Case
from cases.permissions import heads_responsible_unit, is_assignee, supervises
from cases.states import UNRESOLVED_STATES
from core.errors import NotPermitted
from enterprises.access import roles_for_user

# A case goes to the meeting only while it is still being worked on: a resolved one waits for the enterprise.
FLAGGABLE_STATES = UNRESOLVED_STATES


def may_see_meetings(user: User) -> bool:
    """Officials only: the joint review is government business, enterprises follow only its outcome."""
    return roles_for_user(user).is_official


def may_flag(case: Case, user: User) -> bool:
    """The assignee, a head of the responsible unit, or a supervisor whose jurisdiction covers the case.

    The service enforces it and the case page offers the flag form by it; the case needs its enterprise.
    """
    return is_assignee(case, user) or heads_responsible_unit(case, user) or supervises(case, user)


def may_withdraw_flag(flag, user: User) -> bool:
    """A supervisor whose jurisdiction covers the case; the flag needs its case."""
    return supervises(flag.case, user)


def may_plan_meetings(user: User) -> bool:
    """Supervisors plan the meetings of their jurisdiction."""
    return roles_for_user(user).is_supervisor


def may_run_meeting(meeting, user: User) -> bool:
    """The supervision office of the jurisdiction prepares the agenda, records the minutes and closes it."""
    roles = roles_for_user(user)
    return roles.is_supervisor and roles.supervises(meeting.jurisdiction_id, None)


def may_decide_item(item, user: User) -> bool:
    """Whoever runs the item's meeting records its decision."""
    return may_run_meeting(item.meeting, user)


def ensure_runs(meeting, acting_user: User) -> None:
    if not may_run_meeting(meeting, acting_user):
        raise NotPermitted(
            _("Only the supervision office of the meeting's jurisdiction can do this."), code="not_supervisor"
        )
