"""Invitations at the same moment, with real threads and their own database connections."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Invitation, InvitationState
from accounts.services.invitations import invitation_accept, invitation_create
from core.errors import ApplicationError
from notifications.tests.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def outcome(work) -> str:
    try:
        work()
    except ApplicationError as refusal:
        return refusal.code
    return "done"


def test_it_leaves_one_pending_invitation_when_a_new_person_is_invited_twice_at_once(district, admin_user):
    inviters = iter([district.carol, admin_user])

    def invite():
        inviter = next(inviters)
        return outcome(
            lambda: invitation_create(acting_user=inviter, enterprise=district.yixin, username="zhou", name="周敏")
        )

    results = at_once(invite, 2)

    # One after the other (the second replaces the first) or truly at once (the second is refused).
    assert sorted(results) in (["done", "done"], ["concurrent_invitation", "done"])
    assert get_user_model().objects.filter(username="zhou").count() == 1
    assert Invitation.objects.filter(state=InvitationState.PENDING).count() == 1


def test_it_lets_one_of_two_people_with_the_link_set_the_password(district):
    issued = invitation_create(acting_user=district.carol, enterprise=district.yixin, username="zhou", name="周敏")
    token = issued.link.rstrip("/").rsplit("/", 1)[1]
    passwords = iter(["First-choice-2026", "Second-choice-2026"])

    def accept():
        password = next(passwords)
        return password, outcome(
            lambda: invitation_accept(invitation_id=issued.invitation.pk, token=token, password=password)
        )

    results = dict(at_once(accept, 2))

    assert sorted(results.values())[0] == "done" and sorted(results.values())[1] != "done"
    winner = next(password for password, result in results.items() if result == "done")
    assert get_user_model().objects.get(username="zhou").check_password(winner)
    assert Invitation.objects.get().state == InvitationState.ACCEPTED
