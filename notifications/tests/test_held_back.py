"""The inbox shows a reminder held back for working hours only from then on."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.services import notifications_create

from .conftest import ping


@pytest.fixture
def night(people, time_machine):
    """At 23:00 alice gets a notification now and a reminder held until 08:30."""
    moment = timezone.now().replace(hour=23, minute=0, second=0, microsecond=0)
    time_machine.move_to(moment, tick=False)
    notifications_create(recipients=[people.alice], message=ping("thing:1:now"))
    notifications_create(
        recipients=[people.alice], message=ping("thing:1:reminder", not_before=moment + timedelta(hours=9, minutes=30))
    )
    return moment


def inbox(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def test_it_keeps_the_reminder_out_of_the_inbox_at_night(people, night):
    client = inbox(people.alice)

    rows = client.get("/api/v1/notifications/").json()["results"]

    assert [row["id"] for row in rows] == [rows[0]["id"]]
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}


def test_it_does_not_mark_a_held_back_reminder_read(people, night, time_machine):
    client = inbox(people.alice)

    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}

    time_machine.move_to(night + timedelta(hours=9, minutes=30), tick=False)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}


def test_it_shows_the_reminder_first_from_the_morning_on(people, night, time_machine):
    morning = night + timedelta(hours=9, minutes=30)
    time_machine.move_to(morning, tick=False)

    rows = inbox(people.alice).get("/api/v1/notifications/").json()["results"]

    assert len(rows) == 2
    assert rows[0]["visible_from"] == timezone.localtime(morning).isoformat()
