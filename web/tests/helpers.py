"""What the page tests share: a signed-in browser client in a chosen language, and bulk-made cases."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from cases.models import Case, CaseState
from workflow import services
from workflow.tests.helpers import dispatch_only_category


def signed_in(user, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def flashed(response) -> list[str]:
    """The messages a redirected page will show."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def case_url(case: Case, action: str | None = None) -> str:
    return f"/cases/{case.pk}/{action}/" if action else f"/cases/{case.pk}/"


def bulk_assigned_cases(district, count: int, *, assignee=None, unit=None, start: int = 0) -> list[Case]:
    """``count`` assigned cases of Yixin, inserted in one statement, deadlines spread over past and future.

    The services are not what list pages are measured on; a tenth of the cases are overdue.
    """
    now = timezone.now()
    category = dispatch_only_category()
    rows = Case.objects.bulk_create(
        Case(
            number=f"QY-BULK-{start + index:06d}",
            enterprise=district.yixin,
            filed_by=district.alice,
            category=category,
            title=f"批量诉求 {start + index}",
            description="用于列表测试",
            state=CaseState.ASSIGNED,
            assignee=assignee or district.carol,
            responsible_unit=unit or district.industry,
            filed_at=now - timedelta(days=10),
            assigned_at=now - timedelta(days=10),
            response_due_at=now - timedelta(days=9),
            resolution_due_at=now + timedelta(hours=(index % 10 - 1) * 24 + 1),
        )
        for index in range(count)
    )
    return rows


def opened_cases(district, count: int) -> list[Case]:
    """``count`` cases filed by alice and waiting for the dispatcher."""
    return [
        services.case_file(
            acting_user=district.alice,
            enterprise=district.yixin,
            category=dispatch_only_category(),
            title=f"待分派诉求 {index}",
            description="等待调度室分派。",
        )
        for index in range(count)
    ]
