"""The browsable API (a browser asking for text/html) answers a refusal with its status and message, never 500."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workflow import services

HTML = "text/html"


def browser(user) -> APIClient:
    """A client that signs in with the user's token and asks for HTML, as a browser on the API would."""
    client = APIClient(HTTP_ACCEPT=HTML, HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def assert_page(response, status: int, text: str) -> None:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith(HTML)
    assert text in response.content.decode()


@pytest.fixture
def assigned(district):
    return services.case_file(
        acting_user=district.alice,
        enterprise=district.yixin,
        category=district.infrastructure,
        title="供电线路增容",
        description="新生产线投产后容量不足",
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/supervision/overdue/", "Only supervisors, leaders and dispatchers can see the overdue list."),
        ("/api/v1/supervision/overdue/export/", "Only supervisors, leaders and dispatchers can see the overdue list."),
        ("/api/v1/supervision/rechecks/", "Only supervisors and leaders can see re-checks."),
        ("/api/v1/supervision/circulars/", "Circulars are for government officials."),
        ("/api/v1/supervision/meetings/", "Only officials take part in the joint review meeting."),
        ("/api/v1/supervision/flags/", "Only officials take part in the joint review meeting."),
        ("/api/v1/supervision/ledger/", "Only officials can export the problem ledger."),
        ("/api/v1/supervision/rectifications/", "Rectifications and appeals are for government officials."),
        ("/api/v1/supervision/appeals/", "Rectifications and appeals are for government officials."),
    ],
)
def test_it_refuses_an_enterprise_user_with_403_in_the_browsable_api(district, url, message):
    assert_page(browser(district.alice).get(url), 403, message)


def test_it_answers_a_case_the_user_may_not_see_with_404_in_the_browsable_api(district, assigned):
    assert_page(browser(district.bob).get(f"/api/v1/cases/{assigned.pk}/"), 404, "not_found")


def test_it_answers_an_action_in_the_wrong_state_with_409_in_the_browsable_api(district, assigned):
    services.case_accept(case=assigned, acting_user=district.carol)

    response = browser(district.carol).post(f"/api/v1/cases/{assigned.pk}/accept/", {}, format="json")

    assert_page(response, 409, "invalid_state")


def test_it_answers_an_action_refused_to_the_user_with_403_in_the_browsable_api(district, assigned):
    response = browser(district.alice).post(f"/api/v1/cases/{assigned.pk}/accept/", {}, format="json")

    assert_page(response, 403, "Only the assignee can sign for this case.")


def test_it_answers_input_the_service_refuses_with_400_in_the_browsable_api(district, assigned):
    services.case_resolve(case=assigned, acting_user=district.carol, resolution_type="solved", reply="已协调")

    response = browser(district.alice).post(f"/api/v1/cases/{assigned.pk}/close/", {"comment": "好"}, format="json")

    assert_page(response, 400, "Rate the service from 1 (very dissatisfied) to 5 (very satisfied).")


def test_it_offers_every_filter_in_the_form_of_a_filtered_list(district, assigned):
    """The list validates only the filters a request names; the form a person fills in still offers them all."""
    response = browser(district.dora).get("/api/v1/cases/", {"state": "assigned"})

    assert_page(response, 200, assigned.number)
    page = response.content.decode()
    assert all(f'name="{name}"' in page for name in ("state", "search", "filed_after", "overdue", "urging_level"))


def test_it_answers_an_anonymous_browser_with_401(district):
    response = APIClient(HTTP_ACCEPT=HTML).get("/api/v1/supervision/overdue/")

    assert response.status_code == 401
