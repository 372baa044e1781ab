from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core.statements import CompiledOnce

from .services.tokens import token_expires_at, token_has_expired

USER_COLUMNS = tuple(field.attname for field in User._meta.concrete_fields)
TOKEN_COLUMNS = tuple(field.attname for field in Token._meta.concrete_fields)


def _token_holder(key: str):
    token_columns = (f"auth_token__{column}" for column in TOKEN_COLUMNS)
    return User.objects.filter(auth_token__key=key).values_list(*USER_COLUMNS, *token_columns)


# Asked on every API request, and read alike for every key: compiled once (its compilation cost as much as its run),
# and prepared, planned once per connection. Compiled for a key no token has (keys are 40 hexadecimal digits).
_TOKEN_HOLDER = CompiledOnce(_token_holder, key="not a token")


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication that refuses a token older than the configured lifetime, saying so."""

    def authenticate_credentials(self, key):
        """DRF's own checks (the token exists, its user is active) on the user and the token read in one statement
        compiled once per process."""
        found = _TOKEN_HOLDER.values(key=key)
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        [row] = found
        user = User.from_db(connection.alias, USER_COLUMNS, row[: len(USER_COLUMNS)])
        token = Token.from_db(connection.alias, TOKEN_COLUMNS, row[len(USER_COLUMNS) :])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_has_expired(token=token):
            expired_at = timezone.localtime(token_expires_at(token=token)).strftime("%Y-%m-%d %H:%M")
            message = _(
                "This API token expired at %(time)s (Beijing time). Log in again with POST /api/v1/auth/token/ "
                "to get a new one."
            ) % {"time": expired_at}
            raise exceptions.AuthenticationFailed(message, code="token_expired")
        return user, token
