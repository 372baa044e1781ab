"""The ledger export's request: the filters are checked now, the job is written, and its task queued on commit.

A Celery task writes the workbook (``exports.ledger_export_run``); the requester
downloads it from the job and is told when it is ready.
"""

from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput

from .exports import LEDGER_MAX_ROWS, retention
from .models import LedgerExport
from .selectors import ledger_cases
from .tasks import ledger_export_enqueue


def ledger_export_request(*, acting_user: User, filters: dict, language: str) -> LedgerExport:
    """Check the filters now (a bad one is a 400 to the requester, not a failed job later) and queue the job."""
    cases = ledger_cases(acting_user, filters=filters)
    count = cases.count()
    if count > LEDGER_MAX_ROWS:
        raise InvalidInput(
            _("These filters match %(count)d cases; a ledger holds at most %(limit)d. Narrow them and try again.")
            % {"count": count, "limit": LEDGER_MAX_ROWS},
            code="export_too_large",
        )
    now = timezone.now()
    with transaction.atomic():
        job = LedgerExport.objects.create(
            requested_by=acting_user, filters=filters, language=language, created_at=now, expires_at=now + retention()
        )
        transaction.on_commit(partial(ledger_export_enqueue, job.pk))
    return job
