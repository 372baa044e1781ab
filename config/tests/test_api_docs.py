import re

import pytest
from django.core.management import call_command
from django.test import Client


def test_it_generates_a_valid_schema_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in ("/api/v1/cases/{id}/send-back/", "/api/v1/cases/{id}/close/", "/api/v1/me/"):
        assert path in schema


@pytest.mark.django_db
def test_it_serves_the_docs_page_without_any_outside_address():
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    outside = [
        url for url in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if url.startswith(("http:", "https:", "//"))
    ]
    assert outside == []
    assert "swagger-ui" in html
