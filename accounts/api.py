"""The API's login and logout: a token for a username and password, and its revocation."""

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .lockout import lockout_ends_at, lockout_message, login_failures_forget, retry_after_seconds
from .services import token_expires_at, token_issue, token_revoke


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField(help_text="After this moment the token gets 401 `token_expired`.")


class LockedOut(exceptions.APIException):
    """Too many wrong passwords for this username from this address; ``wait`` becomes Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, *, request: Request, credentials: dict) -> None:
        ends_at = lockout_ends_at(request, credentials)
        self.wait = retry_after_seconds(ends_at)
        super().__init__(lockout_message(ends_at))


class TokenView(ObtainAuthToken):
    # A stale token sent along with the password must not stand in the way of a new one.
    authentication_classes = ()

    @extend_schema(
        summary="Log in: a token for a username and password",
        request=AuthTokenSerializer,
        responses={
            200: IssuedTokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Too many wrong passwords: locked for a while (`locked_out`)."),
        },
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # Axes marks the request it refused (or has just locked) without checking the password.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(request=request, credentials={"username": request.data.get("username")})
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        login_failures_forget(request, {"username": user.get_username()})
        token = token_issue(user=user)
        return Response(IssuedTokenSerializer({"token": token.key, "expires_at": token_expires_at(token)}).data)


class LogoutView(APIView):
    @extend_schema(
        summary="Log out: revoke the caller's token",
        request=None,
        responses={204: OpenApiResponse(description="The token no longer works.")},
    )
    def post(self, request: Request) -> Response:
        token_revoke(user=request.user)
        if request.auth is None:
            # Signed in with a session (the browsable API): end that too.
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
