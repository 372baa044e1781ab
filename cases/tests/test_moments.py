"""What a case's moments say, kept by the database whatever writes them: lists rely on it to narrow their reading
(``workflow.filters``)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from cases.models import Case, CaseState, Closure
from web.tests.helpers import bulk_assigned_cases

BEFORE_FILING = F("filed_at") - timedelta(seconds=1)
AFTER_FILING = F("filed_at") + timedelta(days=1)


@pytest.mark.parametrize(
    ("closed", "inconsistent"),
    [
        pytest.param(True, {"closed_at": BEFORE_FILING}, id="closed before it was filed"),
        pytest.param(True, {"resolved_at": BEFORE_FILING}, id="resolved before it was filed"),
        pytest.param(False, {"closed_at": AFTER_FILING}, id="a closing moment on an open case"),
        pytest.param(False, {"sent_back_at": AFTER_FILING}, id="returned while assigned"),
        pytest.param(True, {"sent_back_at": AFTER_FILING}, id="returned while closed"),
    ],
)
def test_the_database_refuses_moments_a_case_cannot_have(district, closed, inconsistent):
    """Whatever writes the row (a transition, a script, the shell), and nothing of the refused write is kept."""
    cases = Case.objects.filter(pk=bulk_assigned_cases(district, 1, assignee=district.carol)[0].pk)
    if closed:
        cases.update(
            state=CaseState.CLOSED, closure=Closure.WITHDRAWN, resolved_at=AFTER_FILING, closed_at=AFTER_FILING
        )
    before = cases.values(*inconsistent).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        cases.update(**inconsistent)
    assert cases.values(*inconsistent).get() == before
