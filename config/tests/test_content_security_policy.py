"""Every page carries the Content-Security-Policy; the templates give it nothing inline to refuse.

The browser tests (web/tests/browser/) check the other half: that no page breaks the policy in Chromium.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from enterprises.access import roles_for_user
from web.navigation import navigation_for

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def policy_of(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    return {name: set(sources) for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/", "/inbox/", "/no-such-page/", "/api/v1/me/"])
def test_it_sends_the_policy_to_a_visitor(db, path):
    response = Client().get(path)

    assert policy_of(response) == POLICY


@pytest.mark.parametrize("person", ["alice", "carol", "hank", "dora", "sam", "leo"])
def test_it_sends_the_policy_on_every_page_of_each_menu(district, person):
    user = getattr(district, person)
    client = signed_in(user)
    pages = [item.url for item in navigation_for(roles_for_user(user), "/")] + ["/inbox/"]

    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert policy_of(response) == POLICY, page


def test_it_widens_the_policy_for_the_api_docs_only_as_far_as_they_need(db):
    client = Client()
    swagger, swagger_script, redoc = (
        client.get("/api/docs/"),
        client.get("/api/docs/?script"),
        client.get("/api/redoc/"),
    )

    assert swagger.status_code == redoc.status_code == swagger_script.status_code == 200
    assert "swagger-ui" in swagger.content.decode() and "<redoc" in redoc.content.decode()
    assert policy_of(swagger) == {**POLICY, "style-src": {"'self'", "'unsafe-inline'"}}
    assert policy_of(redoc) == {**POLICY, "style-src": {"'self'", "'unsafe-inline'"}, "worker-src": {"blob:"}}
    assert "<script>" not in swagger.content.decode(), "Swagger UI's settings come as a file (?script)"
    assert "SwaggerUIBundle" in swagger_script.content.decode()
    assert "fonts.googleapis.com" not in redoc.content.decode()


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>"  # a script element without src
    r"|<style\b"  # a style element
    r"|\son[a-z]+\s*="  # an event handler attribute
    r"|\sstyle\s*="  # a style attribute
    r"|javascript:",
    re.IGNORECASE,
)


def test_it_has_no_inline_script_or_style_in_any_template():
    root = Path(settings.BASE_DIR)
    templates = [
        path
        for path in root.rglob("templates/**/*.html")
        if not {".venv", "node_modules", "staticfiles", "var"} & set(path.relative_to(root).parts)
    ]

    offending = {
        str(path.relative_to(root)): INLINE.findall(path.read_text())
        for path in templates
        if INLINE.search(path.read_text())
    }

    assert len(templates) > 30
    assert offending == {}
