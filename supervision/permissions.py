"""Who may act on rectifications and appeals: ``(row, user) -> bool`` callables for django-fsm.

They read the cached roles and fields already on the row; the row must come with
``case__enterprise`` selected, so a page of rows costs no query per row.
"""

from enterprises.access import roles_for_user


def answers_for(*, unit_id: int, assignee_id: int | None, user) -> bool:
    """The responsible unit speaks through its head (or a head above it) and the cadre who had the case."""
    return roles_for_user(user).heads_unit_or_above(unit_id) or (assignee_id is not None and assignee_id == user.pk)


def supervises_unit_of(row, user) -> bool:
    """A supervisor whose jurisdiction covers the responsible unit or the enterprise's township."""
    roles = roles_for_user(user)
    return roles.is_supervisor and roles.supervises(row.unit_id, row.case.enterprise.township_id)


def may_report_rectification(rectification, user) -> bool:
    return answers_for(unit_id=rectification.unit_id, assignee_id=rectification.assignee_id, user=user)


def may_decide_rectification(rectification, user) -> bool:
    return supervises_unit_of(rectification, user)


def may_decide_appeal(appeal, user) -> bool:
    return supervises_unit_of(appeal, user)
