"""The dispatch room's desk (``dispatcher``): new cases of enterprises that have no 包联 cadre, and cases
a unit sent back.

Each story files one case and leaves it in the state its name says.
"""

from cases.models import Visibility

from ..casework import Casework
from ..texts import ENTERPRISE_NUDGES, INTERNAL_NOTES


def awaiting_dispatch(work: Casework) -> None:
    case, _problem = work.file_new(served=False)
    if work.chance(0.4):
        work.say(case, work.contact(case.enterprise_id), ENTERPRISE_NUDGES)


def returned(work: Casework) -> None:
    case, _problem = work.file_new(served=True)
    if work.chance(0.5):
        work.say(case, work.assignee(case), INTERNAL_NOTES, Visibility.INTERNAL)
    work.send_back(case)
