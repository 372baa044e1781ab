"""The read endpoints around cases: enterprises, units, categories, the current user, and token login."""

import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD


def names(response) -> list[str]:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [row["name"] for row in rows]


def test_it_shows_an_enterprise_user_only_their_own_enterprise(district):
    response = district.client(district.alice).get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert names(response) == [district.yixin.name]


def test_it_hides_another_enterprise_from_an_enterprise_user_with_404(district):
    client = district.client(district.alice)

    response = client.get(f"/api/v1/enterprises/{district.hongda.pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert district.hongda.name not in response.content.decode()
    assert client.get(f"/api/v1/enterprises/{district.yixin.pk}/").status_code == 200


@pytest.mark.parametrize("name", ["carol", "dave", "hank", "dora", "sam", "leo"])
def test_it_shows_officials_every_enterprise(district, name):
    response = district.client(getattr(district, name)).get("/api/v1/enterprises/")

    assert response.status_code == 200
    assert sorted(names(response)) == sorted([district.yixin.name, district.hongda.name])


def test_it_shows_the_service_assignment_of_an_enterprise(district):
    response = district.client(district.dora).get(f"/api/v1/enterprises/{district.yixin.pk}/")

    assert response.status_code == 200
    service = response.json()["service"]
    assert service["cadre"]["username"] == "carol"
    assert service["leader"]["username"] == "leo"
    assert service["unit_id"] == district.industry.pk
    no_service = district.client(district.dora).get(f"/api/v1/enterprises/{district.hongda.pk}/")
    assert no_service.json()["service"] is None


def test_it_searches_enterprises_by_credit_code(district):
    response = district.client(district.dora).get("/api/v1/enterprises/", {"search": "708461136"})

    assert names(response) == [district.hongda.name]


def test_it_lists_active_units_with_their_kind(district):
    district.other_bureau.is_active = False
    district.other_bureau.save()

    response = district.client(district.dora).get("/api/v1/units/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    by_name = {row["name"]: row for row in response.json()}
    assert district.other_bureau.name not in by_name
    assert by_name[district.township.name]["kind"] == "street"
    assert by_name[district.township.name]["kind_display"] == "Street office"
    assert by_name[district.industry_office.name]["parent"] == district.industry.pk


def test_it_filters_units_by_kind(district):
    response = district.client(district.dora).get("/api/v1/units/", {"kind": "street"})

    assert [row["name"] for row in response.json()] == [district.township.name]


def test_it_lists_the_seven_functional_groups_in_order(district):
    response = district.client(district.alice).get("/api/v1/categories/")

    assert response.status_code == 200
    assert [row["code"] for row in response.json()] == [
        "financing",
        "approval",
        "legal",
        "infrastructure",
        "business_environment",
        "livelihood",
        "talent",
    ]


def test_it_names_the_groups_in_chinese_by_default(district):
    response = district.client(district.alice).get("/api/v1/categories/")

    assert response.json()[0]["name"] == "企业融资和资本运营"


def test_it_names_the_groups_in_english_when_asked(district):
    response = district.client(district.alice).get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en")

    rows = response.json()
    assert rows[0]["name"] == "Financing and capital"
    assert rows[0]["description"] == "Loans, guarantees, listing, working capital"
    assert [row["name"] for row in rows] == [row["name_en"] for row in rows]


def test_it_leaves_inactive_groups_out(district):
    district.financing.is_active = False
    district.financing.save()

    response = district.client(district.alice).get("/api/v1/categories/")

    assert len(response.json()) == 6
    assert "financing" not in [row["code"] for row in response.json()]


def test_it_tells_an_enterprise_user_who_they_are(district):
    response = district.client(district.alice).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["name"] == "王丽"
    assert body["roles"] == ["enterprise"]
    assert body["enterprises"] == [{"id": district.yixin.pk, "name": district.yixin.name}]
    assert body["memberships"] == []


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        ("carol", ["cadre"]),
        ("hank", ["unit_head"]),
        ("dora", ["dispatcher"]),
        ("sam", ["supervisor"]),
        ("leo", ["leader"]),
    ],
)
def test_it_lists_an_officials_roles(district, name, roles):
    response = district.client(getattr(district, name)).get("/api/v1/me/")

    assert response.json()["roles"] == roles
    assert [row["role"] for row in response.json()["memberships"]] == roles


def test_it_lists_the_enterprises_a_cadre_serves(district):
    body = district.client(district.carol).get("/api/v1/me/").json()

    assert body["served_enterprises"] == [{"id": district.yixin.pk, "name": district.yixin.name}]
    assert body["memberships"][0]["unit"]["name"] == district.industry.name


def test_it_hands_out_a_token_that_authenticates(district):
    client = APIClient()

    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_it_hands_out_the_same_token_twice(district):
    client = APIClient()
    credentials = {"username": "dora", "password": PASSWORD}

    first = client.post("/api/v1/auth/token/", credentials, format="json").json()["token"]
    second = client.post("/api/v1/auth/token/", credentials, format="json").json()["token"]

    assert first == second


def test_it_refuses_a_wrong_password_with_the_error_body(district):
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": "not-" + PASSWORD},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    body = response.json()
    assert "token" not in body
    assert body["code"] == "invalid"
    assert "credentials" in body["message"]
    assert body["fields"]["non_field_errors"]


def test_it_refuses_a_made_up_token(district):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "authentication_failed"
    assert response.json()["message"]


@pytest.mark.parametrize(
    "url", ["/api/v1/me/", "/api/v1/enterprises/", "/api/v1/cases/", "/api/v1/notifications/", "/api/v1/units/"]
)
def test_it_refuses_anonymous_requests_with_the_error_body(district, url):
    response = APIClient().get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code in (401, 403)
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert "credentials" in body["message"]
    assert district.yixin.name not in response.content.decode()
