import re

import pytest
from django.core.management import call_command
from django.test import Client

from .helpers import schema_document


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


ERROR = {"$ref": "#/components/schemas/Error"}


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_it_documents_one_error_body():
    error = schema_document()["components"]["schemas"]["Error"]

    assert set(error["properties"]) == {"code", "message", "fields"}
    assert error["required"] == ["code", "message"]


def test_it_documents_the_errors_every_operation_can_answer():
    missing = []
    for path, method, operation in operations(schema_document()):
        responses = operation["responses"]
        expected = {"401", "403"}
        if "requestBody" in operation:
            expected |= {"400", "415"}
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
            expected.add("404")
        if method in ("post", "put", "patch", "delete"):
            expected.add("409")
        for status in expected:
            if responses.get(status, {}).get("content", {}).get("application/json", {}).get("schema") != ERROR:
                missing.append(f"{method} {path} {status}")
    assert missing == []


def test_it_documents_the_statuses_an_export_answers_besides():
    document = schema_document()
    download = document["paths"]["/api/v1/supervision/ledger/{id}/download/"]["get"]["responses"]

    assert download["409"]["content"]["application/json"]["schema"] == ERROR
    assert download["410"]["content"]["application/json"]["schema"] == ERROR


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/{id}/comments/",
        "/api/v1/cases/{id}/attachments/",
        "/api/v1/cases/{id}/extensions/",
        "/api/v1/supervision/meetings/{id}/agenda/",
    ],
)
def test_it_documents_a_cases_and_a_meetings_lists_as_the_arrays_they_are(path):
    operation = schema_document()["paths"][path]["get"]

    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert [parameter["name"] for parameter in operation["parameters"]] == ["id"]


def test_it_documents_the_orders_the_case_list_offers():
    parameters = schema_document()["paths"]["/api/v1/cases/"]["get"]["parameters"]
    ordering = next(parameter for parameter in parameters if parameter["name"] == "ordering")

    assert {"filed_at", "-filed_at", "resolution_due_at", "-updated_at"} <= set(ordering["schema"]["enum"])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/cases/{id}/attachments/{attachment_id}/", "attachment_id"),
        ("/api/v1/supervision/rechecks/{id}/items/{item_id}/", "item_id"),
    ],
)
def test_it_documents_every_id_in_an_address_as_a_whole_number(path, name):
    methods = schema_document()["paths"][path]
    parameters = next(iter(methods.values()))["parameters"]

    assert next(parameter for parameter in parameters if parameter["name"] == name)["schema"]["type"] == "integer"
