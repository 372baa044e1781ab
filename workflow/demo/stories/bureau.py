"""A bureau's desk (``cadre``, ``unithead``): cases waiting to be signed for, cases being worked on, and cases
the unit head or the dispatcher handed to someone else.

Each story files one case and leaves it in the state its name says.
"""

from cases.models import Visibility
from workflow.services import case_reassign

from ..casework import Casework
from ..texts import ENTERPRISE_REPLIES, INTERNAL_NOTES, PROGRESS_REPLIES, REASSIGN_NOTES


def awaiting_signature(work: Casework) -> None:
    case, _problem = work.file_new()
    work.routed(case)


def in_progress(work: Casework) -> None:
    case, _problem = work.file_new()
    case = work.accept(work.routed(case))
    work.say(case, work.assignee(case), PROGRESS_REPLIES)
    if work.chance(0.5):
        work.say(case, work.contact(case.enterprise_id), ENTERPRISE_REPLIES)
    if work.chance(0.4):
        work.say(case, work.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)


def reassigned(work: Casework) -> None:
    """The unit head hands it to a colleague, or the dispatcher moves it to another unit."""
    case, _problem = work.file_new()
    case = work.routed(case)
    head = work.district.heads.get(case.responsible_unit_id)
    colleagues = [cadre for cadre in work.district.cadres[case.responsible_unit_id] if cadre.pk != case.assignee_id]
    note = work.rng.choice(REASSIGN_NOTES)
    if head is not None and colleagues and work.chance(0.6):
        case = work.act(case_reassign, case=case, acting_user=head, assignee=work.rng.choice(colleagues), note=note)
    else:
        unit = work.unit_for(case, exclude=case.responsible_unit_id)
        case = work.act(
            case_reassign,
            case=case,
            acting_user=work.district.users["dispatcher"],
            assignee=work.rng.choice(work.district.cadres[unit.pk]),
            unit=unit,
            note=note,
        )
    if work.chance(0.5):
        work.accept(case)
