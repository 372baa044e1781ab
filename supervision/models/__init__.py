"""Supervision's own records, one module per mechanism; everything is importable from ``supervision.models``."""

from ..circulars.models import (
    Circular,
    CircularNumberSequence,
    CircularPeriodKind,
    CircularPublished,
    CircularQuerySet,
    CircularState,
)
from ..ledger.models import ExportState, LedgerExport
from ..meetings.models import AgendaItem, FlagKind, FlagState, ItemOutcome, Meeting, MeetingFlag, MeetingState
from ..ratings.models import (
    FINISHED_RECTIFICATION_STATES,
    Appeal,
    AppealKind,
    AppealState,
    Rectification,
    RectificationState,
    rectification_overdue_q,
)
from ..ratings.permissions import BAD_RATING
from ..rechecks.models import RecheckItem, RecheckMethod, RecheckResult, RecheckSample

__all__ = [
    "Circular",
    "CircularNumberSequence",
    "CircularPeriodKind",
    "CircularPublished",
    "CircularQuerySet",
    "CircularState",
    "AgendaItem",
    "ExportState",
    "FlagKind",
    "FlagState",
    "ItemOutcome",
    "Meeting",
    "MeetingFlag",
    "LedgerExport",
    "MeetingState",
    "BAD_RATING",
    "FINISHED_RECTIFICATION_STATES",
    "Appeal",
    "AppealKind",
    "AppealState",
    "Rectification",
    "RectificationState",
    "rectification_overdue_q",
    "RecheckItem",
    "RecheckMethod",
    "RecheckResult",
    "RecheckSample",
]
