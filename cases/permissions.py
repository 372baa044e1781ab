"""Who may run which transition: ``(case, user) -> bool`` callables for django-fsm.

They read the cached roles of the user and fields already on the case row (the
case must come with its enterprise selected), so they cost no query per case.
Visibility is a separate, earlier gate (``cases.selectors.cases_visible_to``).
"""

from django.conf import settings

from enterprises.access import roles_for_user

from .states import UNRESOLVED_STATES


def is_assignee(case, user) -> bool:
    return case.assignee_id is not None and case.assignee_id == user.pk


def is_filing_enterprise(case, user) -> bool:
    return roles_for_user(user).is_contact_of(case.enterprise_id)


def supervises(case, user) -> bool:
    roles = roles_for_user(user)
    return roles.is_supervisor and roles.supervises(case.responsible_unit_id, case.enterprise.township_id)


def heads_responsible_unit(case, user) -> bool:
    return roles_for_user(user).heads_unit_or_above(case.responsible_unit_id)


def can_assign(case, user) -> bool:
    return roles_for_user(user).is_dispatcher or supervises(case, user)


def can_accept(case, user) -> bool:
    return is_assignee(case, user)


def can_send_back(case, user) -> bool:
    return is_assignee(case, user)


def can_reassign(case, user) -> bool:
    return can_assign(case, user) or heads_responsible_unit(case, user)


def can_resolve(case, user) -> bool:
    return is_assignee(case, user) or heads_responsible_unit(case, user)


def enterprise_may_reopen(case) -> bool:
    return case.enterprise_reopen_count < settings.HUIYIN["ENTERPRISE_REOPEN_LIMIT"]


def can_reopen(case, user) -> bool:
    """The enterprise rejects a solution at most twice; after that a supervisor decides."""
    if is_filing_enterprise(case, user) and enterprise_may_reopen(case):
        return True
    return supervises(case, user)


def can_close(case, user) -> bool:
    return is_filing_enterprise(case, user) or supervises(case, user)


def can_withdraw(case, user) -> bool:
    """A sub-case is the joint review meeting's assignment to a unit, not the enterprise's own request."""
    return case.parent_id is None and is_filing_enterprise(case, user)


def can_merge(case, user) -> bool:
    """Merging duplicates (并单) is triage: the dispatchers', or a supervisor's within their jurisdiction."""
    return roles_for_user(user).is_dispatcher or supervises(case, user)


def can_reopen_after_recheck(case, user) -> bool:
    """Only a failed re-check reopens a closed case, recorded by a supervisor whose jurisdiction covers it.

    Supervision's re-check service is the one caller; the case API never offers it as an action.
    """
    return supervises(case, user)


def can_pause(case, user) -> bool:
    """Pausing the resolution clock (挂起) is the assignee's: they know what the case waits for."""
    return is_assignee(case, user)


def can_resume(case, user) -> bool:
    return is_assignee(case, user) or heads_responsible_unit(case, user)


def can_urge(case, user) -> bool:
    """Urging (催办 → 督办 → 挂牌督办) is a supervisor's, for a case still being worked on. Not a transition:
    the state stays."""
    return case.state in UNRESOLVED_STATES and supervises(case, user)
