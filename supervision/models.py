"""The registry Django reads: every model of supervision, imported so that the app's models are loaded.

Each model lives with its mechanism (``supervision/<mechanism>/models.py``) and
is imported from there; the app label stays ``supervision`` and every table its
name, since Django names both after the app, not the module.
"""

from .circulars.models import Circular, CircularNumberSequence
from .common_problems.models import CommonProblem, CommonProblemLink
from .ledger.models import LedgerExport
from .meetings.models import AgendaItem, Meeting, MeetingFlag
from .projects.models import Milestone, MilestoneKind, ProjectInvestment, ProjectYearPlan
from .rates.models import RatesSnapshot
from .ratings.models import Appeal, Rectification
from .rechecks.models import RecheckItem, RecheckSample
from .visits.models import Visit, VisitDuty, VisitProblem

__all__ = [
    "AgendaItem",
    "Appeal",
    "Circular",
    "CircularNumberSequence",
    "CommonProblem",
    "CommonProblemLink",
    "LedgerExport",
    "Meeting",
    "MeetingFlag",
    "Milestone",
    "MilestoneKind",
    "ProjectInvestment",
    "ProjectYearPlan",
    "RatesSnapshot",
    "RecheckItem",
    "RecheckSample",
    "Rectification",
    "Visit",
    "VisitDuty",
    "VisitProblem",
]
