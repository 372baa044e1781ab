"""The workflow's writes, one module per topic; every service is importable from ``workflow.services``.

``cases`` files a case and moves it through its states, ``sub_cases`` holds what the joint review meeting
assigns, ``messages`` the comments and attachments, ``extensions`` the requests for more time, ``pauses`` the
paused clocks (挂起), ``urging`` the urging ladder, ``merging`` the duplicates (并单), ``automatic`` what the sweep
does by itself; ``shared`` is the machinery they all use, with the three pieces supervision uses too:
``case_lock``, ``case_event_record`` and ``case_version_bump``.
"""

from .automatic import case_close_unanswered, case_urge_overdue
from .cases import (
    case_accept,
    case_assign,
    case_close,
    case_file,
    case_reassign,
    case_reopen,
    case_reopen_after_recheck,
    case_resolve,
    case_resolve_by_common_answer,
    case_send_back,
    case_withdraw,
)
from .extensions import extension_decide, extension_request_create
from .merging import case_merge
from .messages import attachment_add, comment_add
from .pauses import case_pause, case_pause_expire, case_resume, pause_decide
from .sub_cases import sub_case_file
from .urging import case_urge

__all__ = [
    "attachment_add",
    "case_accept",
    "case_assign",
    "case_close",
    "case_close_unanswered",
    "case_file",
    "case_pause",
    "case_pause_expire",
    "case_merge",
    "case_reassign",
    "case_reopen",
    "case_reopen_after_recheck",
    "case_resolve",
    "case_resume",
    "case_resolve_by_common_answer",
    "case_send_back",
    "case_urge",
    "case_urge_overdue",
    "case_withdraw",
    "comment_add",
    "extension_decide",
    "extension_request_create",
    "pause_decide",
    "sub_case_file",
]
