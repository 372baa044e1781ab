"""Bad input through the API: a clear 4xx with {"code", "message"} (and "fields" for 400), and nothing written."""

import contextlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Attachment, Case, CaseEvent, CaseState, Comment
from core.api import server_error
from notifications.models import Notification
from workflow import services

CASES = "/api/v1/cases/"
MISSING_ID = 987654321


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Case, CaseEvent, Comment, Attachment, Notification)}


@contextlib.contextmanager
def nothing_written():
    before = row_counts()
    versions = dict(Case.objects.values_list("pk", "version"))
    yield
    assert row_counts() == before
    assert dict(Case.objects.values_list("pk", "version")) == versions


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"].strip()
    if code is not None:
        assert body["code"] == code
    if status == 400 and body["code"] != "parse_error":
        assert body["fields"], body
    if field is not None:
        assert body["fields"][field], body
    return body


def post(district, user, url, body, **extra):
    return district.client(user).post(url, body, format="json", **extra)


def file_case(district, user, enterprise, title="供电线路增容"):
    return services.case_file(
        acting_user=user, enterprise=enterprise, category=district.infrastructure, title=title, description="详情"
    )


@pytest.fixture
def assigned(district):
    """Alice's case, routed to carol automatically."""
    case = file_case(district, district.alice, district.yixin)
    assert case.state == CaseState.ASSIGNED
    return case


@pytest.fixture
def waiting(district):
    """Bob's case, waiting for the dispatcher."""
    return file_case(district, district.bob, district.hongda, "报关延误")


@pytest.fixture
def resolved(district, assigned):
    return services.case_resolve(case=assigned, acting_user=district.carol, resolution_type="solved", reply="已协调")


# Filing

FILING = {"title": "原料供应不足", "description": "需要协调国有企业调剂原料"}


@pytest.mark.parametrize("missing", ["category", "title", "description"])
def test_it_refuses_a_filing_without_a_required_field(district, missing):
    body = {"category": district.financing.pk, **FILING}
    del body[missing]

    with nothing_written():
        response = post(district, district.alice, CASES, body)

    assert_error(response, 400, "invalid", field=missing)


def test_it_names_every_missing_field_of_an_empty_filing(district):
    with nothing_written():
        response = post(district, district.alice, CASES, {})

    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"category", "title", "description"}


@pytest.mark.parametrize("field", ["title", "description"])
def test_it_refuses_a_whitespace_only_title_or_description(district, field):
    body = {"category": district.financing.pk, **FILING, field: " \t\n "}

    with nothing_written():
        response = post(district, district.alice, CASES, body)

    assert_error(response, 400, field=field)


def test_it_refuses_a_title_longer_than_200_characters(district):
    with nothing_written():
        response = post(
            district, district.alice, CASES, {"category": district.financing.pk, **FILING, "title": "长" * 201}
        )

    assert_error(response, 400, field="title")


def test_it_refuses_an_unknown_category(district):
    with nothing_written():
        response = post(district, district.alice, CASES, {"category": MISSING_ID, **FILING})

    assert_error(response, 400, "invalid", field="category")


def test_it_refuses_an_inactive_category(district):
    district.financing.is_active = False
    district.financing.save()

    with nothing_written():
        response = post(district, district.alice, CASES, {"category": district.financing.pk, **FILING})

    assert_error(response, 400, field="category")


@pytest.mark.parametrize("enterprise", ["unknown", "hongda", "text"])
def test_it_refuses_an_enterprise_the_user_cannot_file_for(district, enterprise):
    value = {"unknown": MISSING_ID, "hongda": district.hongda.pk, "text": "yixin"}[enterprise]

    with nothing_written():
        response = post(
            district, district.alice, CASES, {"category": district.financing.pk, "enterprise": value, **FILING}
        )

    assert_error(response, 400, "invalid", field="enterprise")
    assert district.hongda.name not in response.content.decode()


def test_it_asks_a_cadre_which_enterprise_the_problem_is_for(district):
    with nothing_written():
        response = post(district, district.carol, CASES, {"category": district.financing.pk, **FILING})

    assert_error(response, 400, "invalid", field="enterprise")


def test_it_refuses_an_unknown_complexity(district):
    with nothing_written():
        response = post(
            district, district.alice, CASES, {"category": district.financing.pk, "complexity": "huge", **FILING}
        )

    assert_error(response, 400, field="complexity")


def test_it_refuses_to_follow_up_a_case_of_another_enterprise(district, waiting):
    with nothing_written():
        response = post(
            district, district.alice, CASES, {"category": district.financing.pk, "follows_up": waiting.pk, **FILING}
        )

    assert_error(response, 400, field="follows_up")


def test_it_refuses_filing_for_an_inactive_enterprise_and_points_at_the_enterprise(district):
    district.yixin.is_active = False
    district.yixin.save()

    with nothing_written():
        response = post(district, district.alice, CASES, {"category": district.financing.pk, **FILING})

    assert_error(response, 400, "enterprise_inactive", field="enterprise")


def test_it_forbids_an_official_to_file_for_an_enterprise_they_do_not_serve(district):
    with nothing_written():
        response = post(
            district,
            district.dave,
            CASES,
            {"category": district.financing.pk, "enterprise": district.yixin.pk, **FILING},
        )

    assert response.status_code in (400, 403)
    assert_error(response, response.status_code)


# Malformed bodies


@pytest.mark.parametrize(
    "url", [CASES, "{case}/resolve/", "{case}/send-back/", "{case}/comments/", "{case}/assign/"], ids=str
)
def test_it_answers_parse_error_to_a_body_that_is_not_json(district, assigned, url):
    url = url.format(case=f"{CASES}{assigned.pk}")

    with nothing_written():
        response = district.client(district.carol).post(
            url, '{"reason": "缺少结尾', content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )

    body = assert_error(response, 400, "parse_error")
    assert "JSON" in body["message"]


def test_it_answers_parse_error_in_the_default_language_too(district, assigned):
    response = district.client(district.carol).post(
        f"{CASES}{assigned.pk}/resolve/", "{not json", content_type="application/json"
    )

    assert_error(response, 400, "parse_error")


DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize("document", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("alice", CASES),
        ("carol", "{case}/resolve/"),
        ("carol", "{case}/comments/"),
        ("carol", "{case}/attachments/"),
        ("sam", "/api/v1/supervision/flags/"),
        ("sam", "/api/v1/supervision/ledger/"),
        ("sam", "/api/v1/supervision/circulars/"),
        ("carol", "/api/v1/supervision/appeals/"),
    ],
)
def test_it_answers_parse_error_to_json_nested_a_thousand_levels_deep(district, assigned, user, url, document):
    url = url.format(case=f"{CASES}{assigned.pk}")

    with nothing_written():
        response = district.client(getattr(district, user)).post(url, document, content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_it_names_the_nesting_limit_to_json_that_decodes_but_nests_too_deep(district, assigned):
    document = {"resolution_type": "solved", "reply": "已协调"}
    for _level in range(40):
        document = {"reply": document}

    with nothing_written():
        response = post(district, district.carol, f"{CASES}{assigned.pk}/resolve/", document, HTTP_ACCEPT_LANGUAGE="en")

    body = assert_error(response, 400, "parse_error")
    assert "32 levels" in body["message"]


def test_it_answers_a_body_larger_than_the_server_accepts_with_the_error_body(district):
    body = json.dumps({"category": district.financing.pk, "title": "标题", "description": "x" * 3_000_000})

    with nothing_written():
        response = district.client(district.alice).post(
            CASES, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 400
    assert response.json() == {
        "code": "request_too_large",
        "message": "The request is larger than the 2.5\xa0MB the server accepts; send files as attachments.",
    }


def test_it_answers_a_server_error_on_the_api_with_the_error_body_and_keeps_the_page_for_pages(rf):
    api = server_error(rf.get("/api/v1/cases/"))
    page = server_error(rf.get("/queue/"))

    assert (api.status_code, json.loads(api.content)["code"]) == (500, "server_error")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_it_refuses_deep_json_when_signing_in_too(district):
    response = district.client().post("/api/v1/auth/token/", DEEP_ARRAY, content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_it_refuses_deep_json_on_the_preferences_too(district):
    response = district.client(district.alice).put(
        "/api/v1/notifications/preferences/", DEEP_ARRAY, content_type="application/json"
    )

    assert_error(response, 400, "parse_error")


def test_it_refuses_a_json_list_instead_of_an_object(district, assigned):
    with nothing_written():
        response = post(district, district.carol, f"{CASES}{assigned.pk}/resolve/", ["solved", "已解决"])

    assert_error(response, 400, "invalid")


# Unknown cases


@pytest.mark.parametrize("case_id", [str(MISSING_ID), "abc", "0", "-1", "1e3", "99999999999999999999999"])
def test_it_answers_404_for_a_case_id_that_does_not_name_a_visible_case(district, assigned, case_id):
    client = district.client(district.dora)

    with nothing_written():
        detail = client.get(f"{CASES}{case_id}/")
        comments = client.get(f"{CASES}{case_id}/comments/")
        action = client.post(f"{CASES}{case_id}/accept/", {}, format="json")
        comment = client.post(f"{CASES}{case_id}/comments/", {"body": "你好"}, format="json")

    for response in (detail, comments, action, comment):
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("attachment_id", [str(MISSING_ID), "99999999999999999999999", "abc"])
def test_it_answers_404_with_the_error_body_for_an_unknown_attachment_id(district, assigned, attachment_id):
    response = district.client(district.dora).get(f"{CASES}{assigned.pk}/attachments/{attachment_id}/")

    assert_error(response, 404, "not_found")


def test_it_answers_an_unsupported_body_format_with_the_error_body(district):
    with nothing_written():
        response = district.client(district.alice).post(CASES, "title=x", content_type="text/plain")

    assert_error(response, 415, "unsupported_media_type")


def test_it_answers_an_empty_json_body_with_the_error_body(district):
    with nothing_written():
        response = district.client(district.alice).post(CASES, "null", content_type="application/json")

    assert_error(response, 400, "invalid")


# Actions


def test_it_refuses_an_assignment_without_assignee_and_unit(district, waiting):
    with nothing_written():
        response = post(district, district.dora, f"{CASES}{waiting.pk}/assign/", {})

    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"assignee", "unit"}


@pytest.mark.parametrize("field", ["assignee", "unit"])
def test_it_refuses_an_assignment_to_an_unknown_person_or_unit(district, waiting, field):
    body = {"assignee": district.dave.pk, "unit": district.commerce.pk, field: MISSING_ID}

    with nothing_written():
        response = post(district, district.dora, f"{CASES}{waiting.pk}/assign/", body)

    assert_error(response, 400, "invalid", field=field)


def test_it_refuses_an_assignee_who_does_not_work_in_the_unit(district, waiting):
    with nothing_written():
        response = post(
            district,
            district.dora,
            f"{CASES}{waiting.pk}/assign/",
            {"assignee": district.dave.pk, "unit": district.industry.pk},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    body = assert_error(response, 400, "assignee_not_in_unit", field="assignee")
    assert "cadre" in body["message"]


def test_it_refuses_a_resolution_deadline_before_the_response_deadline(district, waiting):
    now = timezone.now()
    body = {
        "assignee": district.dave.pk,
        "unit": district.commerce.pk,
        "response_due_at": (now + timedelta(days=3)).isoformat(),
        "resolution_due_at": (now + timedelta(days=1)).isoformat(),
    }

    with nothing_written():
        response = post(district, district.dora, f"{CASES}{waiting.pk}/assign/", body)

    assert_error(response, 400, "deadline_order", field="resolution_due_at")


def test_it_refuses_a_deadline_that_is_not_a_date(district, waiting):
    body = {"assignee": district.dave.pk, "unit": district.commerce.pk, "resolution_due_at": "next friday"}

    with nothing_written():
        response = post(district, district.dora, f"{CASES}{waiting.pk}/assign/", body)

    assert_error(response, 400, "invalid", field="resolution_due_at")


@pytest.mark.parametrize("action", ["assign", "reassign"])
def test_it_refuses_an_enterprise_routing_its_case_without_revealing_other_peoples_names(district, assigned, action):
    # Alice may not route cases at all. Checking her choice of assignee before her permission answers
    # 400 with the full name of whatever user id she sends, so she can walk the ids and collect names.
    with nothing_written():
        response = post(
            district,
            district.alice,
            f"{CASES}{assigned.pk}/{action}/",
            {"assignee": district.bob.pk, "unit": district.industry.pk},
        )

    assert response.status_code in (403, 409), response.json()
    assert district.bob.first_name not in response.content.decode()


@pytest.mark.parametrize("reason", [None, "", "   ", "\n\t"], ids=["missing", "empty", "spaces", "newline-tab"])
@pytest.mark.parametrize("action", ["send-back", "withdraw"])
def test_it_refuses_a_missing_or_blank_reason(district, assigned, action, reason):
    user = district.carol if action == "send-back" else district.alice
    body = {} if reason is None else {"reason": reason}

    with nothing_written():
        response = post(district, user, f"{CASES}{assigned.pk}/{action}/", body)

    assert_error(response, 400, field="reason")


@pytest.mark.parametrize("reason", [None, "   "], ids=["missing", "spaces"])
def test_it_refuses_a_reopening_without_a_reason(district, resolved, reason):
    body = {} if reason is None else {"reason": reason}

    with nothing_written():
        response = post(district, district.alice, f"{CASES}{resolved.pk}/reopen/", body)

    assert_error(response, 400, field="reason")
    assert Case.objects.get(pk=resolved.pk).state == CaseState.RESOLVED


def test_it_refuses_a_reassignment_without_an_assignee(district, assigned):
    with nothing_written():
        response = post(district, district.hank, f"{CASES}{assigned.pk}/reassign/", {"unit": district.industry.pk})

    assert_error(response, 400, "invalid", field="assignee")


def test_it_refuses_a_reassignment_to_an_unknown_person(district, assigned):
    with nothing_written():
        response = post(district, district.hank, f"{CASES}{assigned.pk}/reassign/", {"assignee": MISSING_ID})

    assert_error(response, 400, "invalid", field="assignee")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reply": "已解决"}, "resolution_type"),
        ({"resolution_type": "fixed", "reply": "已解决"}, "resolution_type"),
        ({"resolution_type": "", "reply": "已解决"}, "resolution_type"),
        ({"resolution_type": "solved"}, "reply"),
        ({"resolution_type": "solved", "reply": "  "}, "reply"),
    ],
    ids=["type-missing", "type-unknown", "type-empty", "reply-missing", "reply-blank"],
)
def test_it_refuses_a_resolution_without_a_valid_type_and_reply(district, assigned, body, field):
    with nothing_written():
        response = post(district, district.carol, f"{CASES}{assigned.pk}/resolve/", body)

    assert_error(response, 400, field=field)


@pytest.mark.parametrize("satisfaction", [0, 6, -1, 55, "very", None], ids=str)
def test_it_refuses_a_rating_outside_one_to_five(district, resolved, satisfaction):
    with nothing_written():
        response = post(district, district.alice, f"{CASES}{resolved.pk}/close/", {"satisfaction": satisfaction})

    assert_error(response, 400, field="satisfaction")
    assert Case.objects.get(pk=resolved.pk).state == CaseState.RESOLVED


def test_it_asks_the_enterprise_for_a_rating_when_it_closes(district, resolved):
    with nothing_written():
        response = post(
            district, district.alice, f"{CASES}{resolved.pk}/close/", {"comment": "谢谢"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    body = assert_error(response, 400, "satisfaction", field="satisfaction")
    assert "satisfied" in body["message"]


@pytest.mark.parametrize(
    "body",
    [{}, {"body": ""}, {"body": "   "}, {"body": "你好", "visibility": "secret"}],
    ids=["missing", "empty", "blank", "visibility"],
)
def test_it_refuses_a_comment_without_text_or_with_an_unknown_visibility(district, assigned, body):
    with nothing_written():
        response = post(district, district.carol, f"{CASES}{assigned.pk}/comments/", body)

    assert_error(response, 400, "invalid")


def test_it_refuses_a_stale_version(district, assigned):
    with nothing_written():
        response = post(district, district.carol, f"{CASES}{assigned.pk}/accept/", {"version": assigned.version - 1})

    assert_error(response, 409, "stale_case")


def test_it_refuses_a_version_that_is_not_a_number(district, assigned):
    with nothing_written():
        response = post(district, district.carol, f"{CASES}{assigned.pk}/accept/", {"version": "latest"})

    assert_error(response, 400, "invalid", field="version")


# Language of the messages


def test_it_explains_a_validation_error_in_english_when_asked(district, assigned):
    response = post(district, district.carol, f"{CASES}{assigned.pk}/send-back/", {}, HTTP_ACCEPT_LANGUAGE="en")

    body = assert_error(response, 400, "invalid", field="reason")
    assert body["message"].startswith("Please correct the highlighted fields")
    assert "required" in body["message"]
    assert body["fields"]["reason"] == ["This field is required."]


def test_it_explains_a_service_refusal_in_english_when_asked(district, assigned):
    response = post(
        district, district.alice, f"{CASES}{assigned.pk}/resolve/", {"resolution_type": "solved", "reply": "好了"}
    )
    english = post(
        district,
        district.alice,
        f"{CASES}{assigned.pk}/resolve/",
        {"resolution_type": "solved", "reply": "好了"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert_error(response, 403, "permission_denied")
    body = assert_error(english, 403, "permission_denied")
    assert "assignee" in body["message"]


def test_it_answers_in_the_default_language_without_accept_language(district, assigned):
    response = post(district, district.carol, f"{CASES}{assigned.pk}/send-back/", {})

    body = assert_error(response, 400, "invalid", field="reason")
    assert body["message"].strip()
    assert body["fields"]["reason"][0].strip()


def test_it_explains_a_404_in_english_when_asked(district):
    response = district.client(district.alice).get(f"{CASES}{MISSING_ID}/", HTTP_ACCEPT_LANGUAGE="en")

    body = assert_error(response, 404, "not_found")
    assert "Not found" in body["message"]
