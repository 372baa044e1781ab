"""Reads of the ledger: its cases, the case list's with the same filters, and the export jobs, each its requester's
alone."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from cases.models import Case
from cases.selectors import official_cases_q
from core.errors import InvalidInput, NotPermitted
from enterprises.access import roles_for_user
from workflow.filters import CASE_LIST_PARAMETERS, case_list_filtered

from .models import ExportState, LedgerExport
from .permissions import may_export_ledger

# A queued job whose task has not started by then was lost with the broker: it is queued again.
REQUEUE_AFTER = timedelta(minutes=5)


def filters_as_query(filters: dict) -> QueryDict:
    """The job's filters (JSON) as the query string the case list reads; unknown names are refused, not ignored,
    so that a misspelt filter cannot silently export every case."""
    if not isinstance(filters, dict):
        message = _("Give the filters as an object of the case list's query parameters.")
        raise InvalidInput(message, code="invalid_filter", fields={"filters": [message]})
    unknown = sorted(set(filters) - CASE_LIST_PARAMETERS)
    if unknown:
        message = _("The case list has no such filter.")
        raise InvalidInput(message, code="invalid_filter", fields={name: [message] for name in unknown})
    query = QueryDict(mutable=True)
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, dict | list) for item in values):
            message = _("A filter takes a value or a list of values.")
            raise InvalidInput(message, code="invalid_filter", fields={name: [message]})
        query.setlist(
            name, [str(item).lower() if isinstance(item, bool) else str(item) for item in values if item is not None]
        )
    return query


def ledger_cases(user: User, *, filters: dict) -> QuerySet[Case]:
    """The cases of the case list with these filters, narrowed to those the user sees as an official."""
    if not may_export_ledger(user):
        raise NotPermitted(_("Only officials can export the problem ledger."), code="not_an_official")
    cases = case_list_filtered(user, filters_as_query(filters))
    # An official who is also an enterprise's contact sees that enterprise's cases in the list, but
    # as an enterprise: their internal side stays out of the ledger.
    official = official_cases_q(roles_for_user(user))
    return cases if official is None else cases.filter(official)


def ledger_exports_visible_to(user: User) -> QuerySet[LedgerExport]:
    """The user's own export jobs; another user's job is a 404, as if it did not exist."""
    return LedgerExport.objects.filter(requested_by=user)


def ledger_exports_lost(*, now: datetime, limit: int) -> list[int]:
    """Jobs still queued long after they were requested, and not yet expired: the broker lost their task."""
    return list(
        LedgerExport.objects.filter(
            state=ExportState.QUEUED, created_at__lt=now - REQUEUE_AFTER, expires_at__gt=now
        ).values_list("pk", flat=True)[:limit]
    )
