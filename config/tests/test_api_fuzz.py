"""The API fuzzed against its own OpenAPI schema with schemathesis, as an enterprise, a cadre and a supervisor.

Every operation gets a capped number of generated requests, derandomized so that a run in CI is the run on
a developer's machine: valid ones and invalid ones with generated ids (which mostly name nothing), then
valid ones against rows that exist (a case, a meeting, an appeal… of the district below). The app is
called in-process through its WSGI handler, inside the test's transaction, so the requests see the
district and nothing outlives the test. Each answer must be no server error, a status the schema
documents, in a content type it documents, with a body that matches the documented schema.

``FUZZ_EXAMPLES`` and ``FUZZ_USERS`` run it harder (docs/api.md).
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from notifications.models import Notification
from supervision.circulars import services as circular_services
from supervision.ledger.services import ledger_export_request
from supervision.meetings import services as meeting_services
from supervision.ratings import services as rating_services
from supervision.ratings.models import Rectification
from supervision.visits import services as visit_services
from supervision.visits.models import VisitDuty, VisitMode
from workflow import services
from workflow.selectors import work_calendar

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Requests per operation and pass: some 70 operations, three passes and three roles stay within a few
# minutes on two cores.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
USERS = os.environ.get("FUZZ_USERS", "alice,carol,sam").split(",")


@pytest.fixture
def rows(district) -> dict[str, dict[str, int]]:
    """A district with a row in every state the API shows; returns the path parameters that name them,
    by the start of the operation's path."""
    d = district
    now = timezone.now()
    assigned = services.case_file(
        acting_user=d.alice, enterprise=d.yixin, category=d.infrastructure, title="供电线路增容", description="容量不足"
    )
    services.comment_add(case=assigned, acting_user=d.carol, body="已联系供电公司")
    services.comment_add(case=assigned, acting_user=d.carol, body="内部：需发改局配合", visibility="internal")
    attachment = services.attachment_add(
        case=assigned,
        acting_user=d.alice,
        upload=SimpleUploadedFile("负荷表.csv", "时段,负荷\n白天,800kW\n".encode(), content_type="text/csv"),
    )
    services.case_file(
        acting_user=d.bob, enterprise=d.hongda, category=d.financing, title="报关延误", description="材料已提交"
    )
    rated = services.case_file(
        acting_user=d.alice, enterprise=d.yixin, category=d.financing, title="贷款贴息", description="申报"
    )
    rated = services.case_resolve(case=rated, acting_user=d.carol, resolution_type="solved", reply="已办理")
    rated = services.case_close(case=rated, acting_user=d.alice, satisfaction=2, comment="太慢")
    appeal = rating_services.appeal_file(case=rated, acting_user=d.carol, kind="mistaken", reason="企业误评")
    flag = meeting_services.flag_create(case=assigned, acting_user=d.carol, kind="leader_decision", reason="需领导决策")
    meeting = meeting_services.meeting_create(
        acting_user=d.sam, held_on=timezone.localdate(now) + timedelta(days=7), chair=d.leo, participating_units=[]
    )
    circular = circular_services.circular_create(acting_user=d.sam, period=f"{timezone.localdate(now):%Y-%m}")
    job = ledger_export_request(acting_user=d.sam, filters={}, language="zh-hans")
    waiting = services.case_file(
        acting_user=d.alice, enterprise=d.yixin, category=d.infrastructure, title="厂房消防验收", description="缺图纸"
    )
    # Beyond the limits (more working days than HUIYIN_PAUSE_MAX_WORKDAYS): it waits for the supervisor's decision.
    pause = services.case_pause(
        case=waiting,
        acting_user=d.carol,
        needed="请补充消防设计审查意见书",
        reason="缺少审查意见书",
        expected_date=work_calendar().local_date(work_calendar().add_workdays(now, 20).due_at),
    )
    visit = visit_services.visit_record(
        enterprise=d.yixin,
        acting_user=d.carol,
        visited_at=now - timedelta(days=1),
        mode=VisitMode.ON_SITE,
        met_with="王丽（行政经理）",
        notes="企业计划扩产",
        problems=[visit_services.ProblemFound(category=d.infrastructure, title="用地指标不足", description="扩产用地")],
    )
    return {
        "/api/v1/cases/{id}/attachments/{attachment_id}/": {"id": assigned.pk, "attachment_id": attachment.pk},
        "/api/v1/cases/": {"id": assigned.pk},
        "/api/v1/enterprises/": {"id": d.yixin.pk},
        "/api/v1/units/": {"id": d.industry.pk},
        "/api/v1/categories/": {"id": d.infrastructure.pk},
        "/api/v1/notifications/": {"id": Notification.objects.order_by("pk").first().pk},
        "/api/v1/supervision/rectifications/": {"id": Rectification.objects.get(case=rated).pk},
        "/api/v1/supervision/appeals/": {"id": appeal.pk},
        "/api/v1/supervision/flags/": {"id": flag.pk},
        "/api/v1/supervision/meetings/": {"id": meeting.pk},
        "/api/v1/supervision/circulars/": {"id": circular.pk},
        "/api/v1/supervision/ledger/": {"id": job.pk},
        "/api/v1/pauses/": {"id": pause.pk},
        "/api/v1/visits/": {"id": visit.pk},
        "/api/v1/visits/duties/": {"id": VisitDuty.objects.filter(enterprise=d.yixin).order_by("pk").first().pk},
    }


def in_the_test_transaction(app):
    """The WSGI app, keeping the test's database connection open across requests, as Django's test client does.

    Django closes the connection when a request starts and finishes; inside a test that would end the
    test's transaction, and with it the district.
    """

    def call(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return call


def fuzz(operation, *, token: str, mode: GenerationMode, path_parameters: dict | None = None) -> None:
    strategy = operation.as_strategy(
        generation_mode=mode, headers={"Authorization": f"Token {token}"}, path_parameters=path_parameters
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def run(case) -> None:
        case.call_and_validate(checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # An operation without parameters or a body has no invalid request to send.
        assert mode == GenerationMode.NEGATIVE


def existing_rows(rows: dict[str, dict[str, int]], path: str) -> dict[str, int] | None:
    """The path parameters naming rows of the district, for the longest known start of ``path``."""
    starts = [start for start in rows if path.startswith(start) and "{" in path]
    return rows[max(starts, key=len)] if starts else None


@pytest.mark.parametrize("username", USERS)
def test_it_answers_every_operation_as_its_schema_says(district, rows, username):
    token = Token.objects.create(user=getattr(district, username)).key
    schema = schemathesis.openapi.from_wsgi("/api/schema/", in_the_test_transaction(get_wsgi_application()))
    failures = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        passes = [("positive", GenerationMode.POSITIVE, None), ("negative", GenerationMode.NEGATIVE, None)]
        known = existing_rows(rows, operation.path)
        if known is not None:
            passes.append(("existing rows", GenerationMode.POSITIVE, known))
        for name, mode, path_parameters in passes:
            try:
                fuzz(operation, token=token, mode=mode, path_parameters=path_parameters)
            except (Exception, FailureGroup) as error:  # every operation's failures are collected, then reported
                failures[f"{name} {operation.label}"] = str(error)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
