"""Duplicates (并单) at the dispatch room's desk: an enterprise files the same problem twice, as happens when two
of its people each report it.

``merged_duplicate`` leaves the second case merged into the first by the dispatcher; ``duplicate_waiting``
leaves it opened, so the dispatcher finds the first among its similar cases and can merge it.
"""

from workflow.services import case_merge

from ..casework import Casework

MERGE_NOTES = (
    "企业两名联系人分别提交了同一问题，并入先提交的诉求统一办理。",
    "与该企业在办诉求内容一致，并单处理。",
)


def merged_duplicate(work: Casework) -> None:
    case, problem = work.file_new()
    case = work.routed(case)
    duplicate = work.file(case.enterprise, problem)
    work.act(
        case_merge,
        case=duplicate,
        into=case,
        acting_user=work.district.users["dispatcher"],
        note=work.rng.choice(MERGE_NOTES),
    )


def duplicate_waiting(work: Casework) -> None:
    case, problem = work.file_new(served=False)
    work.routed(case)
    work.file(case.enterprise, problem)
