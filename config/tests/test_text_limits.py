"""Free texts have limits no real writer reaches (config/limits.py): the API, the pages and the services refuse
a longer text with a message naming the limit, and write nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, Comment
from core import limits
from core.errors import InvalidInput
from notifications.models import Notification
from supervision.meetings import services as meeting_services
from supervision.meetings.models import Meeting, MeetingFlag
from web.tests.helpers import case_url, signed_in
from workflow import services
from workflow.models import ExtensionRequest

from .helpers import schema_document

MODELS = (Case, CaseEvent, Comment, Notification, ExtensionRequest, MeetingFlag, Meeting)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def text(length: int) -> str:
    return "长" * length


@pytest.fixture
def assigned(district):
    """Alice's case, routed to carol on filing."""
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="供电线路增容",
        description="新生产线投产后容量不足",
    )


@pytest.fixture
def waiting(district):
    """Bob's case, waiting for the dispatcher."""
    return services.case_file(
        acting_user=district.bob,
        enterprise=district.hongda,
        category=district.financing,
        title="报关延误",
        description="详情",
    )


def test_it_gives_every_text_the_api_takes_a_length_limit():
    """Every string a request body carries is bounded, unless it is a choice, a date or a file; so is a search."""
    document = schema_document()
    components = document["components"]["schemas"]
    unbounded = []

    def walk(schema: dict, trail: str, seen: frozenset) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], name, seen | {name})
            return
        for part in schema.get("allOf", []) + schema.get("oneOf", []):
            walk(part, trail, seen)
        for name, field in schema.get("properties", {}).items():
            if not field.get("readOnly"):
                walk(field, f"{trail}.{name}", seen)
        if isinstance(schema.get("additionalProperties"), dict):
            walk(schema["additionalProperties"], f"{trail}.*", seen)
        if "items" in schema:
            walk(schema["items"], f"{trail}[]", seen)
        free_text = schema.get("type") == "string" and "enum" not in schema
        if free_text and schema.get("format") not in ("date", "date-time", "binary") and "maxLength" not in schema:
            unbounded.append(trail)

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "search":
                    walk(parameter["schema"], f"{method} {path} ?search", frozenset())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method} {path}", frozenset())
    assert unbounded == []


def api_bodies(district, case) -> list[tuple[str, str, dict, str, int]]:
    """(user, address, body, field, limit) with one text one character over its limit."""
    cases = "/api/v1/cases/"
    return [
        (
            "alice",
            cases,
            {"category": district.financing.pk, "title": "标题", "description": text(10_001)},
            "description",
            10_000,
        ),
        ("alice", cases, {"category": district.financing.pk, "title": text(201), "description": "描述"}, "title", 200),
        ("carol", f"{cases}{case.pk}/resolve/", {"resolution_type": "solved", "reply": text(10_001)}, "reply", 10_000),
        ("carol", f"{cases}{case.pk}/send-back/", {"reason": text(2_001)}, "reason", 2_000),
        ("carol", f"{cases}{case.pk}/comments/", {"body": text(5_001)}, "body", 5_000),
        ("alice", f"{cases}{case.pk}/withdraw/", {"reason": text(2_001)}, "reason", 2_000),
        (
            "sam",
            f"{cases}{case.pk}/urge/",
            {"level": 1, "note": text(2_001), "answer_due_at": (timezone.now() + timedelta(days=3)).isoformat()},
            "note",
            2_000,
        ),
        (
            "carol",
            f"{cases}{case.pk}/extensions/",
            {"requested_due_date": "2099-01-05", "reason": text(2_001)},
            "reason",
            2_000,
        ),
        (
            "carol",
            "/api/v1/supervision/flags/",
            {"case": case.pk, "kind": "leader_decision", "reason": text(2_001)},
            "reason",
            2_000,
        ),
        (
            "sam",
            "/api/v1/supervision/meetings/",
            {"held_on": "2099-01-05", "chair": district.leo.pk, "location": text(201)},
            "location",
            200,
        ),
    ]


@pytest.mark.parametrize("index", range(10))
def test_it_refuses_a_text_over_its_limit_through_the_api_and_names_the_limit(district, assigned, index):
    user, url, body, field, limit = api_bodies(district, assigned)[index]
    before = row_counts()

    response = district.client(getattr(district, user)).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400, response.content[:300]
    assert str(limit) in response.json()["fields"][field][0]
    assert row_counts() == before


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/enterprises/"])
@pytest.mark.parametrize("query", ["长" * 101, " ".join(["a"] * 2_000)], ids=["long", "many-words"])
def test_it_refuses_a_search_longer_than_a_search_box(district, url, query):
    response = district.client(district.sam).get(url, {"search": query}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "100" in response.json()["fields"]["search"][0]


def test_it_refuses_a_two_megabyte_description(district):
    body = {"category": district.financing.pk, "title": "标题", "description": "x" * 2_000_000}

    response = district.client(district.alice).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["description"]
    assert not Case.objects.exists()


def test_it_accepts_texts_exactly_at_their_limits(district):
    body = {"category": district.financing.pk, "title": text(limits.TITLE), "description": text(limits.DESCRIPTION)}

    response = district.client(district.alice).post("/api/v1/cases/", body, format="json")

    assert response.status_code == 201, response.content[:300]
    case = Case.objects.get()
    assert (len(case.title), len(case.description)) == (200, 10_000)


def service_calls(district, assigned, waiting):
    """(field, call) where call runs a service with one text one character over its limit."""
    return [
        (
            "description",
            lambda: services.case_file(
                acting_user=district.alice,
                enterprise=district.yixin,
                category=district.financing,
                title="标题",
                description=text(10_001),
            ),
        ),
        (
            "title",
            lambda: services.case_file(
                acting_user=district.alice,
                enterprise=district.yixin,
                category=district.financing,
                title=text(201),
                description="描述",
            ),
        ),
        ("body", lambda: services.comment_add(case=assigned, acting_user=district.carol, body=text(5_001))),
        ("reason", lambda: services.case_send_back(case=assigned, acting_user=district.carol, reason=text(2_001))),
        (
            "reply",
            lambda: services.case_resolve(
                case=assigned, acting_user=district.carol, resolution_type="solved", reply=text(10_001)
            ),
        ),
        (
            "note",
            lambda: services.case_assign(
                case=waiting,
                acting_user=district.dora,
                assignee=district.dave,
                unit=district.commerce,
                note=text(2_001),
            ),
        ),
        (
            "note",
            lambda: services.case_reassign(
                case=assigned, acting_user=district.hank, assignee=district.carol, note=text(2_001)
            ),
        ),
        (
            "reason",
            lambda: meeting_services.flag_create(
                case=assigned, acting_user=district.carol, kind="leader_decision", reason=text(2_001)
            ),
        ),
        (
            "title",
            lambda: meeting_services.meeting_create(
                acting_user=district.sam,
                held_on=timezone.localdate() + timedelta(days=7),
                chair=district.leo,
                participating_units=[],
                title=text(201),
            ),
        ),
    ]


@pytest.mark.parametrize("index", range(9))
def test_it_refuses_a_text_over_its_limit_in_the_service_whoever_calls_it(district, assigned, waiting, index):
    field, call = service_calls(district, assigned, waiting)[index]
    before = row_counts()
    versions = dict(Case.objects.values_list("pk", "version"))

    with pytest.raises(InvalidInput) as refused:
        call()

    assert refused.value.code == "too_long"
    assert refused.value.fields[field]
    assert row_counts() == before
    assert dict(Case.objects.values_list("pk", "version")) == versions


def test_it_refuses_a_too_long_rating_comment_and_keeps_the_case_open(district, assigned):
    resolved = services.case_resolve(case=assigned, acting_user=district.carol, resolution_type="solved", reply="好")

    with pytest.raises(InvalidInput) as refused:
        services.case_close(case=resolved, acting_user=district.alice, satisfaction=5, comment=text(2_001))

    assert refused.value.fields["comment"]
    assert Case.objects.get(pk=resolved.pk).state == "resolved"


def test_it_shows_the_limit_beside_a_too_long_description_on_the_filing_page(district):
    response = signed_in(district.alice, "en").post(
        "/my/cases/new/",
        {
            "enterprise": district.yixin.pk,
            "category": district.infrastructure.pk,
            "title": "园区专用电力线缆需增容",
            "description": text(10_001),
        },
    )

    assert response.status_code == 400
    assert "at most 10000 characters (it has 10001)" in response.content.decode()
    assert not Case.objects.exists()


def test_it_caps_the_typing_in_the_case_pages_text_areas(district, assigned):
    page = signed_in(district.carol).get(case_url(assigned)).content.decode()

    assert 'maxlength="5000"' in page  # a message
    assert 'maxlength="10000"' in page  # the reply that resolves it
    assert 'maxlength="2000"' in page  # the reason of a send-back


def test_it_refuses_a_too_long_message_from_the_case_page(district, assigned):
    before = row_counts()

    response = signed_in(district.carol, "en").post(case_url(assigned, "comment"), {"comment-body": text(5_001)})

    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert row_counts() == before


def test_it_names_the_limit_in_chinese_by_default(district, assigned):
    response = district.client(district.carol).post(
        f"/api/v1/cases/{assigned.pk}/comments/", {"body": text(5_001)}, format="json"
    )

    assert "5000" in response.json()["fields"]["body"][0]
