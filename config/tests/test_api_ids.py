"""Ids and moments no row can have: a number too large for the database is a 400 in a filter or a body, a 404 in
a path; a moment reaches the database in UTC, whatever offset it was written with."""

from datetime import timedelta, timezone

import django_filters
import pytest

from config.urls import router
from core.filters import DateTimeFilter
from workflow import services

BIG = "9999999999999999999999999"
LIMIT = "9223372036854775807"


def assert_id_refused(response, field: str) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["fields"][field], body
    assert LIMIT in body["fields"][field][0]
    assert LIMIT in body["message"]


QUERY_FILTERS = [
    ("alice", "/api/v1/cases/", "enterprise"),
    ("alice", "/api/v1/cases/", "assignee"),
    ("alice", "/api/v1/cases/", "category"),
    ("alice", "/api/v1/cases/", "unit"),
    ("alice", "/api/v1/cases/", "parent"),
    ("sam", "/api/v1/cases/", "enterprise"),
    ("sam", "/api/v1/supervision/overdue/", "unit"),
    ("sam", "/api/v1/supervision/overdue/", "assignee"),
    ("sam", "/api/v1/supervision/overdue/", "category"),
    ("sam", "/api/v1/supervision/overdue/", "enterprise"),
    ("sam", "/api/v1/supervision/overdue/export/", "enterprise"),
    ("sam", "/api/v1/supervision/rates/cases/?period=2026-11&metric=response", "unit"),
    ("sam", "/api/v1/supervision/rates/cases/?period=2026-11&metric=response", "cadre"),
    ("sam", "/api/v1/supervision/rectifications/", "unit"),
    ("sam", "/api/v1/supervision/rectifications/", "case"),
    ("sam", "/api/v1/supervision/appeals/", "unit"),
    ("sam", "/api/v1/supervision/appeals/", "case"),
    ("sam", "/api/v1/supervision/flags/", "case"),
    ("sam", "/api/v1/supervision/meetings/", "jurisdiction"),
    ("sam", "/api/v1/supervision/rechecks/", "jurisdiction"),
]


@pytest.mark.parametrize(("user", "url", "name"), QUERY_FILTERS)
def test_it_refuses_an_id_filter_beyond_any_row_with_a_message(district, user, url, name):
    separator = "&" if "?" in url else "?"

    response = district.client(getattr(district, user)).get(f"{url}{separator}{name}={BIG}", HTTP_ACCEPT_LANGUAGE="en")

    assert_id_refused(response, name)


@pytest.mark.parametrize("value", ["0", "-3", "1.5", "1e3", "abc"])
def test_it_refuses_a_case_filter_that_cannot_be_an_id(district, value):
    response = district.client(district.sam).get(f"/api/v1/cases/?enterprise={value}")

    assert response.status_code == 400
    assert response.json()["fields"]["enterprise"]


@pytest.mark.parametrize("name", ["urging_level", "urging_level_min"])
def test_it_refuses_an_urging_level_off_the_ladder(district, name):
    response = district.client(district.sam).get(f"/api/v1/cases/?{name}={BIG}")

    assert response.status_code == 400
    assert response.json()["fields"][name]


@pytest.mark.parametrize(
    ("user", "url", "name"),
    [
        ("dora", "/api/v1/extensions/", "case"),
        ("sam", "/api/v1/enterprises/", "township"),
        ("sam", "/api/v1/units/", "parent"),
    ],
)
def test_it_refuses_an_unknown_row_in_a_generated_filter(district, user, url, name):
    response = district.client(getattr(district, user)).get(f"{url}?{name}={BIG}")

    assert response.status_code == 400
    assert response.json()["fields"][name]


def test_it_refuses_a_ledger_whose_filters_name_an_id_beyond_any_row(district):
    response = district.client(district.sam).post(
        "/api/v1/supervision/ledger/", {"filters": {"enterprise": BIG}}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_filter"
    assert LIMIT in body["fields"]["enterprise"][0]


@pytest.mark.parametrize(
    ("user", "url", "body", "field"),
    [
        ("carol", "/api/v1/supervision/appeals/", {"case": BIG, "kind": "mistaken", "reason": "误评"}, "case"),
        ("carol", "/api/v1/supervision/flags/", {"case": BIG, "kind": "leader_decision", "reason": "需要"}, "case"),
        ("alice", "/api/v1/cases/", {"category": BIG, "title": "标题", "description": "描述"}, "category"),
    ],
)
def test_it_refuses_an_id_beyond_any_row_in_a_body(district, user, url, body, field):
    response = district.client(getattr(district, user)).post(url, {**body, field: int(BIG)}, format="json")

    assert response.status_code == 400, response.content[:300]
    assert response.json()["fields"][field]


DETAIL_URLS = [
    "/api/v1/cases/{big}/",
    "/api/v1/cases/{big}/comments/",
    "/api/v1/cases/{big}/attachments/{big}/",
    "/api/v1/extensions/{big}/",
    "/api/v1/notifications/{big}/",
    "/api/v1/enterprises/{big}/",
    "/api/v1/units/{big}/",
    "/api/v1/categories/{big}/",
    "/api/v1/supervision/rectifications/{big}/",
    "/api/v1/supervision/appeals/{big}/",
    "/api/v1/supervision/rechecks/{big}/",
    "/api/v1/supervision/flags/{big}/",
    "/api/v1/supervision/meetings/{big}/",
    "/api/v1/supervision/meetings/{big}/agenda/",
    "/api/v1/supervision/meetings/{big}/minutes.xlsx/",
    "/api/v1/supervision/circulars/{big}/",
    "/api/v1/supervision/circulars/{big}/pdf/",
    "/api/v1/supervision/ledger/{big}/",
    "/api/v1/supervision/ledger/{big}/download/",
]


@pytest.mark.parametrize("url", DETAIL_URLS)
def test_it_answers_404_to_a_path_id_beyond_any_row(district, url):
    response = district.client(district.sam).get(url.format(big=BIG))

    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] == "not_found"


def test_it_answers_404_to_a_recheck_item_beyond_any_row(district):
    response = district.client(district.sam).post(
        f"/api/v1/supervision/rechecks/{BIG}/items/{BIG}/", {"method": "phone", "result": "passed"}, format="json"
    )

    assert response.status_code == 404


def declared_filters():
    for _prefix, viewset, _basename in router.registry:
        if getattr(viewset, "filterset_class", None):
            for name, declared in viewset.filterset_class.base_filters.items():
                yield f"{viewset.__name__}.{name}", declared


def test_it_reads_every_id_in_a_query_string_with_the_bounded_id_filter():
    """A NumberFilter reads any decimal and hands it to the database; ids go through IdFilter instead."""
    assert [name for name, declared in declared_filters() if isinstance(declared, django_filters.NumberFilter)] == []


def test_it_reads_every_moment_in_a_query_string_in_utc():
    assert [
        name
        for name, declared in declared_filters()
        if isinstance(declared, django_filters.IsoDateTimeFilter) and not isinstance(declared, DateTimeFilter)
    ] == []


@pytest.mark.parametrize(
    "moment",
    [
        "0136-02-16T17:33:03-16:34",
        "2026-11-01T00:00:00+15:59",
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-10:00",
    ],
)
def test_it_reads_any_offset_a_moment_is_written_with_or_refuses_it(district, moment):
    """PostgreSQL refuses offsets beyond ±15:59; moments reach the database in UTC, or are a 400."""
    response = district.client(district.sam).get("/api/v1/cases/", {"resolved_before": moment, "filed_after": moment})

    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 400:
        assert set(response.json()["fields"]) == {"resolved_before", "filed_after"}


def test_it_filters_by_a_moment_written_with_a_far_offset_as_the_same_moment_in_utc(district):
    case = services.case_file(
        acting_user=district.alice, enterprise=district.yixin, category=district.financing, title="题", description="述"
    )
    just_after = (case.filed_at + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=-15, minutes=-59)))

    response = district.client(district.sam).get("/api/v1/cases/", {"filed_before": just_after.isoformat()})

    assert [row["id"] for row in response.json()["results"]] == [case.pk]
