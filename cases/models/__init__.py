"""The record of a case: its state machine, comments, attachments and the append-only event log.

One module per topic; the rest of the code imports them from here (``from cases.models import Case``).
"""

from ..states import CaseState
from .case import (
    CASE_NUMBER_PREFIX_SHAPE,
    Case,
    CaseNumberSequence,
    Closure,
    Complexity,
    ResolutionType,
    Satisfaction,
    UrgingLevel,
    format_case_number,
    holder_due,
    holder_overdue_q,
    in_states,
    resolution_clock_paused,
    resolution_clock_running,
    resolution_overdue_q,
    routing_overdue_q,
    whole_case_number_q,
)
from .categories import Category
from .comments import Attachment, Comment, Visibility, attachment_path
from .events import AppendOnlyError, CaseEvent, CaseEventQuerySet, EventAction

__all__ = [
    "AppendOnlyError",
    "Attachment",
    "Case",
    "CaseEvent",
    "CaseEventQuerySet",
    "CaseNumberSequence",
    "CaseState",
    "Category",
    "Closure",
    "Comment",
    "Complexity",
    "EventAction",
    "ResolutionType",
    "Satisfaction",
    "UrgingLevel",
    "Visibility",
    "attachment_path",
    "CASE_NUMBER_PREFIX_SHAPE",
    "format_case_number",
    "whole_case_number_q",
    "holder_due",
    "holder_overdue_q",
    "in_states",
    "resolution_clock_paused",
    "resolution_clock_running",
    "resolution_overdue_q",
    "routing_overdue_q",
]
