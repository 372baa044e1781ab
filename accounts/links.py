"""The link of an invitation: its token is computed, never stored.

Like Django's password-reset tokens, the token is an HMAC, keyed with SECRET_KEY, of the invitation and of
the person's current password hash. So a reader of the database cannot make a working link; setting the
password (accepting, a reset, an administrator) kills it; and the e-mail worker can compute it again at
send time, so the invitation row can be its own outbox without holding the link. Old keys in
SECRET_KEY_FALLBACKS are accepted, as Django does, so rotating the key does not kill pending links.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from notifications.channels import absolute_link

from .models import Invitation

KEY_SALT = "huiyin.accounts.invitation"
# 128 bits: beyond guessing, and short enough for a link pasted into WeChat or an SMS.
TOKEN_LENGTH = 32


def _token(invitation: Invitation, secret: str | bytes) -> str:
    user = invitation.user
    value = f"{invitation.pk}:{user.pk}:{user.password}:{user.is_active}:{invitation.created_at.timestamp()}"
    return salted_hmac(KEY_SALT, value, secret=secret, algorithm="sha256").hexdigest()[:TOKEN_LENGTH]


def invitation_token(invitation: Invitation) -> str:
    return _token(invitation, settings.SECRET_KEY)


def invitation_token_matches(invitation: Invitation, token: str) -> bool:
    return any(
        constant_time_compare(_token(invitation, secret), token or "")
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def invitation_link(invitation: Invitation) -> str:
    """The absolute address to send, on SITE_URL, the same in the e-mail and on the inviter's screen."""
    path = reverse(
        "web:invitation-accept", kwargs={"invitation_id": invitation.pk, "token": invitation_token(invitation)}
    )
    return absolute_link(path)
