"""API tokens: issued on a password login, valid for a fixed lifetime, revoked on logout or password change.

DRF's own Token model (one per user) is kept; its ``created`` time gives the age, so a lifetime
shortened in the settings applies at once to the tokens already handed out.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.HUIYIN["API_TOKEN_LIFETIME_HOURS"])


def token_expires_at(*, token: Token) -> datetime:
    return token.created + token_lifetime()


def token_has_expired(*, token: Token, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token=token)


def token_issue(*, user: User) -> Token:
    """The user's current token, or a new one when there is none or it has expired.

    One token per user, shared by the user's clients: a second login returns the same token until
    it expires, so logging in on a phone does not cut off a script.
    """
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and token_has_expired(token=token):
            token.delete()
            token = Token.objects.create(user=user)
    return token


def token_revoke(*, user: User) -> int:
    """Delete the user's token; the next request with it gets 401. Returns how many were deleted."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
