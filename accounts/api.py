"""The API of accounts: log in and out, change a password, ask for a reset e-mail, and invitations.

Accepting an invitation is a page (it needs the password form), so the API invites, lists and revokes.
"""

from typing import NoReturn

import django_filters
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core import limits
from core.api import signed_in_user
from core.errors import InvalidInput, NotPermitted
from core.filters import FilterSet, IdFilter
from enterprises.api import PersonSerializer
from enterprises.models import Enterprise, Role, Unit

from .lockout import lockout_ends_at, lockout_message, login_failures_forget, retry_after_seconds
from .models import Invitation, InvitationAction, InvitationKind, InvitationState, MailStatus, RevokeReason
from .permissions import may_invite_anyone
from .selectors import invitation_for_user, invitations_in_state, invitations_visible_to
from .services.invitations import invitation_create, invitation_revoke
from .services.people import password_change, password_reset_request
from .services.tokens import token_expires_at, token_issue, token_revoke
from .throttles import PasswordResetThrottle, password_reset_wait_message

# Django's username column, and the length past which a password only costs the server time.
USERNAME_LIMIT = 150
PASSWORD_LIMIT = 4096


class ErrorSerializer(serializers.Serializer):
    """Every error has this body, with the message in the request's language (config/api.py)."""

    code = serializers.CharField(help_text="For programs: `invalid`, `not_found`, `invalid_state`…")
    message = serializers.CharField(help_text="For people, to show as it is.")
    # DRF's metaclass moves declared fields into _declared_fields: this one never shadows Serializer.fields.
    fields = serializers.DictField(required=False, help_text="With 400: each field refused and why.")  # type: ignore[assignment]


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


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


class LoginSerializer(AuthTokenSerializer):
    """DRF's credentials, bounded like every text the API takes."""

    username = serializers.CharField(label=gettext_lazy("Username"), write_only=True, max_length=limits.USERNAME)
    password = serializers.CharField(
        label=gettext_lazy("Password"),
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
        max_length=limits.PASSWORD,
    )


class TokenView(ObtainAuthToken):
    """DRF's token login with bounded credentials, reading JSON with the project's parsers (DRF's own view
    pins its plain JSON parser), refusing a locked-out pair, and answering the token's expiry too."""

    # A stale token sent along with the password must not stand in the way of a new one.
    authentication_classes = ()
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # type: ignore[assignment]  # classes once DRF imports them
    serializer_class = LoginSerializer

    @extend_schema(
        summary="Log in: a token for a username and password",
        request=LoginSerializer,
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
                # Axes locked out a username it read from this body, so the body is an object, not a list.
                raise LockedOut(request=request, credentials={"username": request.data.get("username")})  # type: ignore[union-attr]
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        login_failures_forget(request, {"username": user.get_username()})
        token = token_issue(user=user)
        return Response(IssuedTokenSerializer({"token": token.key, "expires_at": token_expires_at(token=token)}).data)


class LogoutView(APIView):
    @extend_schema(
        summary="Log out: revoke the caller's token",
        request=None,
        responses={204: OpenApiResponse(description="The token no longer works.")},
    )
    def post(self, request: Request) -> Response:
        token_revoke(user=signed_in_user(request))
        if request.auth is None:
            # Signed in with a session (the browsable API): end that too.
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(max_length=PASSWORD_LIMIT, trim_whitespace=False)
    new_password = serializers.CharField(
        max_length=PASSWORD_LIMIT, trim_whitespace=False, help_text="Checked by the password rules (validators)."
    )


class PasswordChangeView(APIView):
    @extend_schema(
        summary="Change my password; answers a new token",
        description="The old password is checked like a login (wrong ones count towards the lockout). The new "
        "one must pass the password rules. Every other session ends, the old token is revoked and a new one is "
        "answered.",
        request=PasswordChangeInput,
        responses={
            200: IssuedTokenSerializer,
            400: error("The old password is wrong (`fields.old_password`) or the new one breaks a rule."),
            401: error("Not signed in."),
            429: error("Too many wrong passwords: locked for a while (`locked_out`)."),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = signed_in_user(request)
        credentials = {"username": user.get_username(), "password": data.validated_data["old_password"]}
        # The DRF request, as the token endpoint's: axes marks a refusal on it and the JSON 429 follows,
        # instead of the pages' lockout page that its middleware shows for a marked Django request.
        if authenticate(request, **credentials) is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(request=request, credentials={"username": user.get_username()})
            message = _("Your old password was entered incorrectly. Please enter it again.")
            raise InvalidInput(message, code="invalid", fields={"old_password": [message]})
        login_failures_forget(request, {"username": user.get_username()})
        password_change(user=user, new_password=data.validated_data["new_password"])
        if request.auth is None:
            update_session_auth_hash(request._request, user)
        token = token_issue(user=user)
        return Response(IssuedTokenSerializer({"token": token.key, "expires_at": token_expires_at(token=token)}).data)


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetAnswer(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (PasswordResetThrottle,)

    @extend_schema(
        summary="Ask for a password-reset e-mail",
        description="Answers 202 whether or not an account uses the address. Each account that does (active, "
        "with a password) gets a link to the page that sets a new password. At most "
        "HUIYIN_PASSWORD_RESET_PER_ADDRESS requests per address and HUIYIN_PASSWORD_RESET_PER_CLIENT per "
        "client address in any hour; more get 429 with Retry-After.",
        request=PasswordResetInput,
        responses={
            202: PasswordResetAnswer,
            400: error("Not an e-mail address."),
            429: error("Too many requests for this address or from this network (`throttled`)."),
        },
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_request(email=data.validated_data["email"], language=translation.get_language())
        detail = _("If an account uses this address, a link to choose a new password is on its way.")
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)

    def throttled(self, request: Request, wait) -> NoReturn:
        # Our message already says until when; DRF would append "Expected available in N seconds".
        refusal = exceptions.Throttled(detail=password_reset_wait_message(int(wait or 1)))
        refusal.wait = wait  # type: ignore[attr-defined]  # Throttled.__init__ sets it; the stubs miss it
        raise refusal


# --- invitations --------------------------------------------------------------------------------------------


class IdNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InvitationEventSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=InvitationAction.choices)
    action_display = serializers.CharField(source="get_action_display")
    actor = PersonSerializer(allow_null=True)
    reason = serializers.ChoiceField(choices=RevokeReason.choices, allow_blank=True)
    reason_display = serializers.CharField(source="get_reason_display")
    at = serializers.DateTimeField()


class InvitationSerializer(serializers.ModelSerializer):
    person = PersonSerializer(source="user")
    enterprise = IdNameSerializer(allow_null=True)
    unit = IdNameSerializer(allow_null=True)
    role_display = serializers.CharField(source="get_role_display")
    invited_by = PersonSerializer()
    state = serializers.ChoiceField(
        source="current_state",
        choices=InvitationState.choices,
        help_text="`pending` until `expires_at`; then `expired` (the hourly sweep records it).",
    )
    state_display = serializers.CharField(source="get_current_state_display")
    mail_status = serializers.ChoiceField(choices=MailStatus.choices)
    mail_status_display = serializers.CharField(source="get_mail_status_display")
    events = InvitationEventSerializer(many=True, help_text="Who invited, accepted, revoked, and when.")
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "kind",
            "state",
            "state_display",
            "person",
            "email",
            "enterprise",
            "unit",
            "role",
            "role_display",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "ended_at",
            "mail_status",
            "mail_status_display",
            "mail_sent_at",
            "events",
            "available_actions",
        ]

    def get_available_actions(self, invitation) -> list[str]:
        user = self.context["request"].user
        if invitation.current_state != InvitationState.PENDING:
            return []
        return [t.name for t in invitation.get_available_user_state_transitions(user) if t.name == "revoke"]


class IssuedInvitationSerializer(InvitationSerializer):
    link = serializers.CharField(
        help_text="The link that lets the person set their password: shown this once and never stored. It is "
        "also e-mailed when there is an address; pass it on by other means (WeChat, SMS) otherwise."
    )

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "link"]


class InvitationInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InvitationKind.choices, default=InvitationKind.CONTACT)
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, help_text="For a contact."
    )
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="A contact's job.")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, help_text="A contact's phone.")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, help_text="For an official."
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True, help_text="For an official.")
    username = serializers.CharField(
        max_length=USERNAME_LIMIT,
        help_text="A new username makes a new account; an existing one must not be able to log in yet (e.g. "
        "from the master-data import) or any more (deactivated).",
    )
    name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text="Needed for a new account."
    )
    email = serializers.EmailField(
        max_length=254, required=False, allow_blank=True, help_text="Where the link is e-mailed; may be left out."
    )

    def validate(self, data: dict) -> dict:
        if data["kind"] == InvitationKind.CONTACT and not data.get("enterprise"):
            raise serializers.ValidationError({"enterprise": [_("Choose the enterprise.")]})
        if data["kind"] == InvitationKind.OFFICIAL:
            problems = {}
            if not data.get("unit"):
                problems["unit"] = [_("Choose an active unit.")]
            if not data.get("role"):
                problems["role"] = [_("Choose a role.")]
            if problems:
                raise serializers.ValidationError(problems)
        return data


class InvitationFilter(FilterSet):
    state = django_filters.ChoiceFilter(choices=InvitationState.choices, method="filter_state")
    enterprise = IdFilter(field_name="enterprise_id")
    kind = django_filters.ChoiceFilter(choices=InvitationKind.choices)

    class Meta:
        model = Invitation
        fields = ["state", "enterprise", "kind"]

    def filter_state(self, queryset, name, value):
        return invitations_in_state(queryset, value)


@extend_schema_view(
    list=extend_schema(
        summary="Invitations I may see",
        description="Administrators see all; others the ones they sent and those of the enterprises they serve. "
        "Newest first.",
    ),
    retrieve=extend_schema(summary="One invitation with its audit trail", responses={200: InvitationSerializer}),
)
class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "expires_at"]

    def get_queryset(self):
        return (
            invitations_visible_to(self.request.user).prefetch_related("events__actor").order_by("-created_at", "-id")
        )

    def get_object(self) -> Invitation:
        return invitation_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        summary="Invite a person: an enterprise contact, or (administrators) an official",
        description="Contacts: for an enterprise the user serves (any for an administrator). Officials: "
        "administrators, with `unit` and `role`. The answer carries the `link`, this once; the link works for "
        "HUIYIN_INVITATION_DAYS days and once. A pending invitation of the same person is revoked.",
        request=InvitationInput,
        responses={
            201: IssuedInvitationSerializer,
            400: error("Missing or invalid fields (`fields`)."),
            403: error("Not allowed to invite for this enterprise, this person, or officials."),
            409: error("The person already has an account and can log in (`has_account`)."),
        },
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        if not may_invite_anyone(request.user):
            raise NotPermitted(_("Only those who serve an enterprise, and administrators, invite people."))
        data = InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contact = values["kind"] == InvitationKind.CONTACT
        issued = invitation_create(
            acting_user=signed_in_user(request),
            username=values["username"],
            name=values.get("name", ""),
            email=values.get("email", ""),
            enterprise=values.get("enterprise") if contact else None,
            title=values.get("title", "") if contact else "",
            phone=values.get("phone", "") if contact else "",
            unit=None if contact else values.get("unit"),
            role="" if contact else values.get("role", ""),
        )
        invitation = self.get_queryset().get(pk=issued.invitation.pk)
        invitation.link = issued.link
        return Response(
            IssuedInvitationSerializer(invitation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Revoke a pending invitation: its link stops working at once",
        request=None,
        responses={
            200: InvitationSerializer,
            403: error("Only the inviter, whoever serves the enterprise, or an administrator."),
            404: error("No such invitation that the user may see."),
            409: error("Not pending any more (`invalid_state`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk=None) -> Response:
        invitation = invitation_revoke(invitation=self.get_object(), acting_user=signed_in_user(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=invitation.pk)).data)
