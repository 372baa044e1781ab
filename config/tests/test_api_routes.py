"""Every address of the API, walked: OPTIONS answers each role without a server error; JSON goes through our parser."""

import pytest
from django.urls import URLPattern, reverse
from rest_framework import parsers
from rest_framework.test import APIClient

from config.urls import api_patterns
from core.parsers import JSONParser
from workflow import services


def api_routes() -> list[URLPattern]:
    """The API's URL patterns, without DRF's format-suffix twins (``.json``) of the same views."""
    return [pattern for pattern in api_patterns if "format" not in pattern.pattern.regex.groupindex]


def concrete_path(pattern: URLPattern, case_id: int) -> str:
    kwargs = {name: str(case_id) for name in pattern.pattern.regex.groupindex}
    return reverse(f"api:{pattern.name}", kwargs=kwargs)


@pytest.fixture
def case(district):
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="供电线路增容",
        description="新生产线投产后容量不足",
    )


@pytest.mark.parametrize("username", ["alice", "carol", "hank", "dora", "sam", "leo"])
def test_it_answers_options_on_every_address_to_every_role(district, case, username):
    client = district.client(getattr(district, username))
    answers = {}
    for pattern in api_routes():
        path = concrete_path(pattern, case.pk)
        response = client.options(path, HTTP_ACCEPT_LANGUAGE="en")
        answers[path] = response.status_code
        # Refusing a role (403) is an answer; a 5xx, or an address OPTIONS cannot reach, is not.
        assert response.status_code in (200, 403, 404), (path, response.status_code, response.content[:300])
        assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/notifications/preferences/" in answers


def test_it_tells_the_user_which_fields_the_preferences_take(district):
    response = district.client(district.alice).options("/api/v1/notifications/preferences/")

    assert response.status_code == 200
    assert {"email_enabled", "webhook_url", "webhook_secret", "language"} <= set(response.json()["actions"]["PUT"])


# Signing in and asking for a reset link are for people who are not signed in.
OPEN_ADDRESSES = {"auth-token", "auth-password-reset"}


def test_it_asks_an_anonymous_caller_to_sign_in_on_every_address(district, case):
    client = APIClient()
    for pattern in api_routes():
        if pattern.name in OPEN_ADDRESSES:
            continue
        response = client.options(concrete_path(pattern, case.pk))
        assert response.status_code == 401, pattern.name


def test_it_reads_json_with_the_depth_limited_parser_on_every_address():
    plain = []
    for pattern in api_routes():
        view = pattern.callback
        view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
        parser_classes = getattr(view, "initkwargs", {}).get("parser_classes") or view_class.parser_classes
        plain += [
            f"{pattern.name}: {parser.__name__}"
            for parser in parser_classes
            if issubclass(parser, parsers.JSONParser) and not issubclass(parser, JSONParser)
        ]
    assert plain == []
