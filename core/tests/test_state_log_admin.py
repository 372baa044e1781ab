"""The audit log of transitions where support looks: the admin of each model with states, and the whole log."""

from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from supervision.circulars.services import circular_create, circular_publish
from workflow.workdays import SHANGHAI

PUBLISHED_AT = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def admin_client(district) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123"))
    return client


@pytest.fixture
def published(district):
    with time_machine.travel(PUBLISHED_AT, tick=False):
        draft = circular_create(acting_user=district.sam, period="2026-11")
        return circular_publish(circular=draft, acting_user=district.sam, version=draft.version)


def test_it_shows_a_rows_transitions_in_its_admin_in_the_admins_language(admin_client, published):
    page = admin_client.get(f"/admin/supervision/circular/{published.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    row = page.content.decode()
    for shown in ("publish", "Draft", "Published", "sam", "Dec. 2, 2026, 10 a.m."):
        assert shown in row


def test_it_lists_every_transition_to_search_and_lets_nobody_change_one(admin_client, published):
    listed = admin_client.get("/admin/django_fsm_log/statelog/", {"q": "sam"})

    assert listed.status_code == 200
    assert "publish" in listed.content.decode()
    assert admin_client.get("/admin/django_fsm_log/statelog/add/").status_code == 403
    assert admin_client.get("/admin/django_fsm_log/statelog/1/delete/").status_code == 403
