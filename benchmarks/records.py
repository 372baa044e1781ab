"""The supervisors' few records of a dataset, made through the API as a supervisor would: a year of published
circulars, and joint review meetings with their flagged cases.

They are few (a dozen circulars, two meetings) and hold snapshots and agendas only the services compute,
so they go through the real endpoints, at the dataset's moment, instead of being written in bulk.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.test import override_settings
from rest_framework.test import APIClient

from cases.models import Case, CaseState

from .workdays import SHANGHAI

User = get_user_model()

FLAG_REASON = "涉及多个部门职责，需提请联审会办会协调。"


def posted(client: APIClient, url: str, data: dict | None = None) -> dict:
    response = client.post(url, data or {}, format="json")
    if response.status_code >= 400:
        raise CommandError(f"POST {url} answered {response.status_code}: {response.content.decode()[:500]}")
    return response.json()


def months_before(moment: datetime, count: int) -> list[str]:
    """The ``count`` whole months before the month of ``moment``, oldest first, as ``2026-11``."""
    year, month = moment.year, moment.month
    labels = []
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        labels.append(f"{year}-{month:02d}")
    return labels[::-1]


def supervision_records(
    *, supervisor_id: int, leader_id: int, unit_ids: list[int], as_of: datetime, flags: int, say: Callable[[str], None]
) -> None:
    import time_machine  # a development tool, as this whole app is

    client = APIClient()
    client.force_authenticate(User.objects.get(pk=supervisor_id))
    local = as_of.astimezone(SHANGHAI)
    # The test client's host, outside a test run.
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with time_machine.travel(as_of, tick=False), override_settings(ALLOWED_HOSTS=hosts):
        for period in months_before(local, 12):
            circular = posted(client, "/api/v1/supervision/circulars/", {"period": period})
            posted(client, f"/api/v1/supervision/circulars/{circular['id']}/publish/", {"version": circular["version"]})
        say("circulars: a year published")
        candidates = list(
            Case.objects.filter(state=CaseState.ASSIGNED, responsible_unit_id__in=unit_ids)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        chosen = candidates[:: max(1, len(candidates) // flags)][:flags]
        batches = [chosen[0::3], chosen[1::3], chosen[2::3]]
        for number, batch in enumerate(batches[:2], start=1):
            for case_id in batch:
                posted(
                    client,
                    "/api/v1/supervision/flags/",
                    {"case": case_id, "kind": "several_departments", "reason": FLAG_REASON},
                )
            # Each meeting takes the flags waiting for it; the last batch stays in the pool for the next one.
            posted(
                client,
                "/api/v1/supervision/meetings/",
                {
                    "held_on": (local + timedelta(days=7 * number)).date().isoformat(),
                    "chair": leader_id,
                    "participating_units": unit_ids[:6],
                    "title": f"第{number}次联审会办会",
                    "location": "区政府第一会议室",
                },
            )
        for case_id in batches[2]:
            posted(
                client,
                "/api/v1/supervision/flags/",
                {"case": case_id, "kind": "leader_decision", "reason": FLAG_REASON},
            )
        say(f"joint review: {len(chosen)} cases flagged, 2 meetings planned")
