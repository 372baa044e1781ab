from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.statements import prepared

from .services.tokens import token_expires_at, token_has_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication that refuses a token older than the configured lifetime, saying so."""

    def authenticate_credentials(self, key):
        with prepared():  # asked on every API request, and read alike for every key: planned once per connection
            user, token = super().authenticate_credentials(key)
        if token_has_expired(token=token):
            expired_at = timezone.localtime(token_expires_at(token=token)).strftime("%Y-%m-%d %H:%M")
            message = _(
                "This API token expired at %(time)s (Beijing time). Log in again with POST /api/v1/auth/token/ "
                "to get a new one."
            ) % {"time": expired_at}
            raise exceptions.AuthenticationFailed(message, code="token_expired")
        return user, token
