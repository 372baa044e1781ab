"""The supervision office's desk (``supervisor``): urged cases, cases it closed for the enterprise, and the
bad ratings its rectifications come from.

Each story files one case and leaves it in the state its name says.
"""

from cases.models import CaseState, Visibility
from workflow.services import case_close

from ..casework import BAD_RATINGS, Casework
from ..texts import (
    ENTERPRISE_URGENCY,
    PROBLEMS,
    SATISFACTION_COMMENTS,
    SUPERVISOR_CLOSE_AFTER_REJECTIONS,
    SUPERVISOR_CLOSE_NOTES,
    URGING_NOTES,
)


def urged(work: Casework) -> None:
    """Routed by the dispatcher with a tight deadline and watched by the supervision office (督办)."""
    case, _problem = work.file_new()
    previous_unit = None
    if case.state == CaseState.ASSIGNED:
        previous_unit = case.responsible_unit_id
        case = work.send_back(case)
    case = work.dispatch(case, urgent=True, exclude=previous_unit)
    if work.chance(0.5):
        case = work.accept(case)
    work.say(case, work.district.users["supervisor"], URGING_NOTES, Visibility.INTERNAL)
    if work.chance(0.5):
        work.say(case, work.contact(case.enterprise_id), ENTERPRISE_URGENCY)


def closed_by_supervisor(work: Casework) -> None:
    """Either the enterprise never confirmed, or it rejected the answer twice and may not reopen again."""
    case, problem = work.resolved()
    note = work.rng.choice(SUPERVISOR_CLOSE_NOTES)
    if work.chance(0.3):
        for _ in range(2):
            case = work.resolve(work.reopen(case), problem, again=True)
        note = SUPERVISOR_CLOSE_AFTER_REJECTIONS
    work.act(case_close, case=case, acting_user=work.district.users["supervisor"], comment=note)


def rated_badly(work: Casework) -> None:
    """The demo enterprise finds the demo cadre's answer wanting and rates it 不满意 or 非常不满意.

    Its cases route to ``cadre`` of the Industry Bureau, so the bureau of ``unithead`` gets the rectification.
    """
    enterprise = work.demo_enterprise("enterprise")
    problem = work.rng.choice(PROBLEMS)
    case = work.resolve(work.work_on(work.routed(work.file(enterprise, problem))), problem)
    rating = work.weighted(BAD_RATINGS)
    case = work.act(
        case_close,
        case=case,
        acting_user=work.contact(enterprise.pk),
        satisfaction=rating,
        comment=work.rng.choice(SATISFACTION_COMMENTS[rating]),
    )
    work.confirmed_cases.append(case)
