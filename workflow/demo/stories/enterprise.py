"""The enterprise's side (``enterprise``, ``enterprise2``): answers to confirm and rate or reject, cases
confirmed (some after a rejection), withdrawn, and follow-ups of closed ones.

Each story files one case and leaves it in the state its name says.
"""

from cases.models import CaseState, Visibility
from workflow.services import case_withdraw

from ..casework import Casework
from ..texts import FOLLOW_UP_DESCRIPTION, INTERNAL_NOTES, PROGRESS_REPLIES, WITHDRAW_REASONS, Problem


def resolved(work: Casework) -> None:
    work.resolved()


def reopened(work: Casework) -> None:
    case, _problem = work.resolved()
    case = work.reopen(case)
    if work.chance(0.5):
        work.say(case, work.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)


def confirmed(work: Casework) -> None:
    case, _problem = work.resolved()
    work.confirm(case)


def confirmed_after_reopen(work: Casework) -> None:
    case, problem = work.resolved()
    case = work.reopen(case)
    work.say(case, work.assignee(case), PROGRESS_REPLIES)
    case = work.resolve(case, problem, again=True)
    work.confirm(case, after_reopen=True)


def withdrawn(work: Casework) -> None:
    case, _problem = work.file_new()
    if case.state == CaseState.ASSIGNED and work.chance(0.5):
        case = work.accept(case)
    work.act(
        case_withdraw,
        case=case,
        acting_user=work.contact(case.enterprise_id),
        reason=work.rng.choice(WITHDRAW_REASONS),
    )


def follow_up(work: Casework) -> None:
    """The enterprise raises a closed matter again as a new case linked to the old one."""
    original = work.rng.choice(work.confirmed_cases)
    problem = Problem(
        category=work.district.categories_by_pk[original.category_id].code,
        title=f"{original.title}（后续）",
        description=FOLLOW_UP_DESCRIPTION,
        reply="",
    )
    work.routed(work.file(original.enterprise, problem, follows_up=original))
